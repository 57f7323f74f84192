/**
 * The console's browser code, bundled by esbuild from `src/server/client/` when the web app is
 * built, so neither the admin nor a deployment runs a front-end build step: `leadstage serve`
 * serves `/assets/<name>.js` from memory. Pages load it as a file, which the CSP's `script-src
 * 'self'` allows without inline script.
 */
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import express, { type Router } from 'express';

import type { Logger } from '../log.ts';

/** Entry points under src/server/client/, served as `/assets/<name>.js`. */
export const CLIENT_BUNDLES = ['model-editor'] as const;
export type ClientBundle = (typeof CLIENT_BUNDLES)[number];

const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));

let bundles: Promise<Map<string, string>> | undefined;

/** Bundles every entry once per process (about a second for CodeMirror); later calls share it. */
export function clientBundles(): Promise<Map<string, string>> {
  bundles ??= build({
    entryPoints: CLIENT_BUNDLES.map((name) => `${CLIENT_DIR}${name}.ts`),
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    outdir: '/assets',
    logLevel: 'silent',
    legalComments: 'none',
  }).then((result) => {
    const out = new Map<string, string>();
    for (const file of result.outputFiles) {
      out.set(file.path.replace(/^.*\//, ''), file.text);
    }
    return out;
  });
  return bundles;
}

export function assetsRouter(log: Logger): Router {
  const router = express.Router();
  // Started now, so the first page that needs it does not wait for the bundle.
  clientBundles().catch((err: unknown) => {
    log.error('bundling the console scripts failed', {
      error: err instanceof Error ? err.message : String(err),
    });
  });
  router.get('/assets/:file', async (req, res, next) => {
    const file = String(req.params.file);
    const text = (await clientBundles()).get(file);
    if (!text) return next();
    res.type('text/javascript').set('Cache-Control', 'no-cache').send(text);
  });
  return router;
}
