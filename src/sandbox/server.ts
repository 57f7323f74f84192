/**
 * Serves every vendor sandbox on one port: `/hubspot`, `/salesforce`, `/mautic`, plus
 * `GET /_sandbox/stats` and `POST /_sandbox/reset`. Used by `leadstage sandbox`, the demo and the
 * end-to-end tests.
 */
import { createServer } from 'node:http';

import express from 'express';

import { createHubspotSandbox } from '../../connectors/hubspot/sandbox/index.ts';
import { createMauticSandbox } from '../../connectors/mautic/sandbox/index.ts';
import { createSalesforceSandbox } from '../../connectors/salesforce/sandbox/index.ts';
import { listenOn } from '../http/listen.ts';

export interface SandboxServerOptions {
  /** 0 picks a free port. @default 4010 */
  port?: number;
  host?: string;
  /** Contacts seeded into each source sandbox. @default 2000 */
  contacts?: number;
  seed?: number;
  now?: () => number;
  /** Epoch ms the seeded data is relative to (connectors/sandbox-types.ts). @default the start time */
  epoch?: number;
}

export type SandboxServer = Awaited<ReturnType<typeof startSandboxServer>>;

export async function startSandboxServer(options: SandboxServerOptions = {}) {
  const host = options.host ?? '127.0.0.1';
  const app = express();
  const server = createServer(app);
  const { port } = await listenOn(server, options.port ?? 4010, host);
  const url = `http://${host}:${port}`;
  const common = {
    seed: options.seed ?? 42,
    contacts: options.contacts ?? 2000,
    ...(options.now ? { now: options.now } : {}),
    ...(options.epoch === undefined ? {} : { epoch: options.epoch }),
  };
  const hubspot = createHubspotSandbox({ ...common, publicUrl: `${url}/hubspot` });
  const salesforce = createSalesforceSandbox({ ...common, publicUrl: `${url}/salesforce` });
  const mautic = createMauticSandbox({ ...common, publicUrl: `${url}/mautic` });
  const sandboxes = [hubspot, salesforce, mautic];

  app.get('/_sandbox/stats', (_req, res) => {
    res.json(Object.fromEntries(sandboxes.map((s) => [s.vendor, s.stats()])));
  });
  app.post('/_sandbox/reset', (_req, res) => {
    for (const s of sandboxes) s.reset();
    res.status(204).end();
  });
  for (const s of sandboxes) app.use(`/${s.vendor}`, s.router);

  return {
    url,
    port,
    hubspot,
    salesforce,
    mautic,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
