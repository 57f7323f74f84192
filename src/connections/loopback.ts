/**
 * The terminal's OAuth callback, as `gh auth login` does it: a one-shot HTTP listener on
 * 127.0.0.1 takes the vendor's redirect, checks the `state` it was given, answers the browser with
 * a short page and hands the code back. It gives up after `timeoutMs` so a flow nobody finishes
 * never hangs the command; anything else reaching the port gets a 404.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

import { ConfigError } from '../errors.ts';

export interface LoopbackOptions {
  /** 0 picks a free port (fine for sandboxes; a registered OAuth app needs a fixed one). */
  port: number;
  /** The callback's path, e.g. `/oauth/hubspot/callback`. */
  path: string;
  timeoutMs: number;
}

export interface LoopbackFlow {
  redirectUri: string;
  state: string;
  /** The authorization code, once the browser comes back; rejects on a vendor error or the timeout. */
  code: Promise<string>;
  close(): Promise<void>;
}

const PAGE = (text: string) => `<!doctype html><meta charset="utf-8"><title>leadstage</title><p>${text}</p>`;

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ConfigError(
          err.code === 'EADDRINUSE' ? `port ${port} is in use: pick another with --port` : err.message,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export async function startLoopback(options: LoopbackOptions): Promise<LoopbackFlow> {
  const state = randomBytes(24).toString('base64url');
  let settle: { resolve: (code: string) => void; reject: (err: Error) => void } | undefined;
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  // Handled by whoever awaits it; without this an early timeout would be an unhandled rejection.
  code.catch(() => undefined);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== options.path) {
      res.writeHead(404).end();
      return;
    }
    const q = url.searchParams;
    if (q.get('state') !== state) {
      res.writeHead(400, { 'content-type': 'text/html' }).end(PAGE('This link is not for this sign-in.'));
      return;
    }
    const error = q.get('error');
    const value = q.get('code');
    res
      .writeHead(error || !value ? 400 : 200, { 'content-type': 'text/html' })
      .end(PAGE(error || !value ? 'Access was not granted.' : 'Connected: you can close this window.'));
    // The vendor's error code only (a short token); its description may echo input.
    if (error || !value) {
      const reason = /^[a-z_]{1,64}$/.test(error ?? '') ? error : 'no_code';
      settle?.reject(new ConfigError(`the vendor did not grant access (${reason})`));
    } else settle?.resolve(value);
  });
  const port = await listen(server, options.port);
  const timer = setTimeout(
    () =>
      settle?.reject(
        new ConfigError(`no answer from the browser within ${Math.round(options.timeoutMs / 1000)} s`),
      ),
    options.timeoutMs,
  );
  return {
    redirectUri: `http://127.0.0.1:${port}${options.path}`,
    state,
    code,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
