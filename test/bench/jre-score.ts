/**
 * json-rules-engine's whole process, for the side-by-side with the `leadstage score` process:
 * reads a JSONL file of contacts, scores each through the bench model and prints one JSON line
 * per contact (id, stage, total). Start-up and parsing are part of what is timed.
 *
 * Usage: node test/bench/jre-score.ts FILE NOW_ISO
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

import type { ContactInput } from '../../src/model.ts';
import { createJreEngine, jreQualify } from './json-rules-engine-model.ts';

const [file, now] = process.argv.slice(2);
const engine = createJreEngine();
const nowMs = Date.parse(now!);
let out = '';
for await (const line of createInterface({ input: createReadStream(file!) })) {
  if (line.trim() === '') continue;
  const c = JSON.parse(line) as ContactInput;
  const d = await jreQualify(engine, c, nowMs);
  out += JSON.stringify({ id: c.id, stage: d.stage, total: d.total }) + '\n';
  if (out.length > 1 << 16) {
    process.stdout.write(out);
    out = '';
  }
}
process.stdout.write(out);
