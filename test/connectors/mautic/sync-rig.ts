/** What the Mautic end-to-end sync tests share: an HTTP listener and an OAuth2 connection row. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Express } from 'express';

import type { MauticSandbox } from '../../../connectors/mautic/sandbox/index.ts';
import type { Store } from '../../../src/store/index.ts';

export interface Listening {
  base: string;
  close(): Promise<void>;
}

/** Serves `app` on a free port of 127.0.0.1. */
export async function listen(app: Express): Promise<Listening> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Mautic connection to the sandbox with freshly issued OAuth2 tokens. */
export function mauticConnection(
  store: Store,
  sandbox: MauticSandbox,
  baseUrl: string,
  config: Record<string, unknown> = {},
) {
  const m = sandbox.issueTokens();
  return store.connections.create({
    vendor: 'mautic',
    baseUrl,
    config,
    credentials: {
      kind: 'oauth2',
      accessToken: m.accessToken,
      refreshToken: m.refreshToken,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      refreshedAt: new Date().toISOString(),
    },
  });
}
