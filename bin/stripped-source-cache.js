/**
 * Start-up cache for the command line. Node strips TypeScript types itself, but loading its
 * stripper (a WebAssembly build of swc) and running it over every module costs about 0.4 s of CPU
 * on each start: 40% of a `leadstage rules check`. The stripped text of a file depends only on its
 * text and on Node's version, so it is kept under `node_modules/.cache/leadstage/` and reused;
 * V8's compile cache (a documented Node API) is kept beside it.
 *
 * Nothing changes when the cache cannot be written (a read-only install): Node strips as usual.
 * The stripped text keeps every line and column (types become spaces), so stack traces and error
 * positions are those of the `.ts` files.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { enableCompileCache, registerHooks, stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url).href;
// LEADSTAGE_CACHE_DIR moves it, for an install whose node_modules cannot be written.
const cacheDir = `${process.env.LEADSTAGE_CACHE_DIR || fileURLToPath(new URL('../node_modules/.cache/leadstage', import.meta.url))}/`;

/** Types stripped by Node's own stripper, without its one-off "experimental" notice to the user. */
function strip(source) {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emitWarning;
  }
}

function cachedStrip(path) {
  const source = readFileSync(path, 'utf8');
  const key = createHash('sha256').update(process.version).update('\0').update(source).digest('hex');
  const file = `${cacheDir}ts/${key}.js`;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    const js = strip(source);
    try {
      // Written aside then renamed: two processes starting at once never read half a file.
      writeFileSync(`${file}.${process.pid}`, js);
      renameSync(`${file}.${process.pid}`, file);
    } catch {
      // A cache that cannot be written only costs the next start its time.
    }
    return js;
  }
}

let usable = true;
try {
  mkdirSync(`${cacheDir}ts`, { recursive: true });
} catch {
  usable = false;
}

if (usable) {
  enableCompileCache(`${cacheDir}v8`);
  registerHooks({
    load(url, context, nextLoad) {
      // Only the project's own TypeScript; packages and JavaScript load as Node loads them.
      if (!url.startsWith(root) || !url.endsWith('.ts') || url.includes('/node_modules/')) {
        return nextLoad(url, context);
      }
      return { format: 'module', source: cachedStrip(fileURLToPath(url)), shortCircuit: true };
    },
  });
}
