/**
 * Peak memory of the real `leadstage score` process scoring BENCH_STREAMED contacts (default
 * 1,000,000) fed through its stdin, with every reason in its JSON output. The contacts are
 * generated here, in the parent, so the figure is the command's own: its peak resident set
 * (VmHWM, Linux), read from /proc while it runs.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { benchContacts, BENCH_NOW } from './contacts.ts';

const KB = 1024;

async function peakRssKb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // Not Linux, or the process has just exited.
  }
}

export interface CliMemory {
  scored: number;
  seconds: number;
  peakMb: number | undefined;
}

export async function measureCliMemory(count: number): Promise<CliMemory> {
  const bin = fileURLToPath(new URL('../../bin/leadstage.js', import.meta.url));
  const model = fileURLToPath(new URL('./model-20.yaml', import.meta.url));
  const child = spawn(
    process.execPath,
    [bin, 'score', '--model', model, '--input', '-', '--now', BENCH_NOW.toISOString()],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const t = performance.now();
  let peakKb: number | undefined;
  const poll = setInterval(() => {
    void peakRssKb(child.pid!).then((kb) => {
      if (kb !== undefined) peakKb = Math.max(peakKb ?? 0, kb);
    });
  }, 50);

  let scored = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) scored++;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

  // Lines as a file would hold them: the bench's contacts, each under its own id.
  const templates = benchContacts(1000).map((c) => JSON.stringify(c));
  for (let i = 0; i < count;) {
    let chunk = '';
    for (let k = 0; k < 200 && i < count; k++, i++) {
      const base = templates[i % templates.length]!;
      chunk += `{"id":"s${i}",${base.slice(base.indexOf(',') + 1)}\n`;
    }
    if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  const code = await exited;
  clearInterval(poll);
  if (code !== 0) throw new Error(`leadstage score exited with ${code}`);
  return { scored, seconds: (performance.now() - t) / 1000, peakMb: peakKb && peakKb / KB };
}
