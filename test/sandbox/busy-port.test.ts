/**
 * A port another process holds: every server the project starts says so (Express 5's `app.listen`
 * used to swallow the bind error), and the demo takes a free port as it promises.
 */
import { createServer, type Server } from 'node:net';

import express from 'express';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { runDemo } from '../../src/demo/run-demo.ts';
import { PortInUseError } from '../../src/http/listen.ts';
import { silentLogger } from '../../src/log.ts';
import { startSandboxServer } from '../../src/sandbox/server.ts';
import { listen } from '../../src/server/server.ts';
import { runCli } from '../helpers/cli.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';

/** The CLI and the demo start PGlite and the sandboxes: slow on a busy machine. */
const SLOW = 180_000;

let occupier: Server;
let busyPort: number;
let t: TestStore | undefined;

beforeEach(async () => {
  occupier = createServer();
  await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
  busyPort = (occupier.address() as { port: number }).port;
});

afterEach(async () => {
  await new Promise((resolve) => occupier.close(resolve));
  await t?.cleanup();
  t = undefined;
});

it('should refuse to start the sandboxes on a busy port, naming the port', async () => {
  const started = startSandboxServer({ port: busyPort, contacts: 1 });
  await expect(started).rejects.toBeInstanceOf(PortInUseError);
  await expect(started).rejects.toThrow(`port ${busyPort} on 127.0.0.1 is already in use`);
});

it("should refuse to start when Salesforce's own port is busy, naming its option", async () => {
  const started = startSandboxServer({ port: 0, salesforcePort: busyPort, contacts: 1 });
  await expect(started).rejects.toBeInstanceOf(PortInUseError);
  await expect(started).rejects.toThrow(
    `port ${busyPort} on 127.0.0.1 is already in use by another process: stop it or choose another port (--salesforce-port)`,
  );
});

it('should refuse to start the web app on a busy port', async () => {
  await expect(listen(express(), busyPort, '127.0.0.1')).rejects.toThrow(
    `port ${busyPort} on 127.0.0.1 is already in use`,
  );
});

it(
  'should make `leadstage sandbox --port P` exit non-zero saying the port is in use',
  async () => {
    const r = await runCli(['sandbox', '--port', String(busyPort), '--contacts', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `leadstage: port ${busyPort} on 127.0.0.1 is already in use by another process: stop it or choose another port (--port)\n`,
    );
  },
  SLOW,
);

it(
  'should run the demo on a free port when the preferred one is busy',
  async () => {
    t = await openTestStore('pglite');
    const lines: string[] = [];
    const result = await runDemo({
      store: t.store,
      source: 'hubspot',
      contacts: 30,
      seed: 7,
      port: busyPort,
      salesShare: 1,
      log: silentLogger,
      out: (line = '') => lines.push(line),
    });
    const url = new URL(result.sandboxUrl);
    expect(Number(url.port)).not.toBe(busyPort);
    expect(Number(new URL(result.salesforceUrl).port)).not.toBe(busyPort);
    expect(lines[0]).toBe(
      `Port ${busyPort} is busy: sandboxes listening on ${result.sandboxUrl} (Salesforce on ${result.salesforceUrl}) instead`,
    );
    expect(result.first.pulled.contacts).toBe(30);
  },
  SLOW,
);
