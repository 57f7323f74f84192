/**
 * An Express app on its own port, and the Salesforce sandbox served that way. Salesforce gets a
 * listener of its own because every Salesforce resource sits at the instance's root
 * (`/services/data/vXX.X/…`, `instance_url` a bare origin: REST API Developer Guide, "REST Resources
 * and Requests"), and jsforce builds some URLs from that origin alone (`bulk2` does
 * `new URL('/services/data/…', instanceUrl)`), so a sandbox mounted under a path breaks them.
 */
import { createServer } from 'node:http';

import express, { type Express, type RequestHandler } from 'express';

import {
  createSalesforceSandbox,
  type SalesforceSandbox,
  type SalesforceSandboxOptions,
} from '../../connectors/salesforce/sandbox/index.ts';
import { listenOn } from '../http/listen.ts';

export interface Listener {
  app: Express;
  /** `http://host:port`, no trailing slash. */
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** An empty app listening on `host:port` (0: any free port); `option` names the port's CLI option. */
export async function listenApp(port: number, host = '127.0.0.1', option = '--port'): Promise<Listener> {
  const app = express();
  const server = createServer(app);
  const bound = await listenOn(server, port, host, option);
  return {
    app,
    url: `http://${host}:${bound.port}`,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export interface SalesforceListenerOptions extends Omit<SalesforceSandboxOptions, 'publicUrl'> {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** The option that chose the port, for the busy-port message. @default '--salesforce-port' */
  option?: string;
  /** Handlers in front of the sandbox (tests hold or count requests there). */
  before?: RequestHandler[];
}

export interface SalesforceListener {
  sandbox: SalesforceSandbox;
  /** The instance URL and login URL: a bare origin, like `https://MyDomain.my.salesforce.com`. */
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** The Salesforce sandbox at the root of its own port. */
export async function listenSalesforceSandbox(
  options: SalesforceListenerOptions,
): Promise<SalesforceListener> {
  const { port, host, option, before, ...sandboxOptions } = options;
  const listener = await listenApp(port, host, option ?? '--salesforce-port');
  const sandbox = createSalesforceSandbox({ ...sandboxOptions, publicUrl: listener.url });
  for (const handler of before ?? []) listener.app.use(handler);
  listener.app.use(sandbox.router);
  return { sandbox, url: listener.url, port: listener.port, close: listener.close };
}
