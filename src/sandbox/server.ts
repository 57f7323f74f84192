/**
 * Serves every vendor sandbox: `/hubspot` and `/mautic` on one port with `GET /_sandbox/stats`,
 * `GET /_sandbox/addresses` and `POST /_sandbox/reset`, and Salesforce at the root of a port of its
 * own (`listener.ts` says why). Used by `leadstage sandbox`, the demo and the end-to-end tests.
 */
import { createHubspotSandbox } from '../../connectors/hubspot/sandbox/index.ts';
import { createMauticSandbox } from '../../connectors/mautic/sandbox/index.ts';
import { listenApp, listenSalesforceSandbox, type SalesforceListener } from './listener.ts';

export interface SandboxServerOptions {
  /** Port of HubSpot and Mautic; 0 picks a free port. @default 4010 */
  port?: number;
  /** Port of Salesforce; 0 picks a free port. @default the next port after `port` (0 when `port` is 0) */
  salesforcePort?: number;
  host?: string;
  /** Contacts seeded into each source sandbox. @default 2000 */
  contacts?: number;
  seed?: number;
  now?: () => number;
  /** Epoch ms the seeded data is relative to (connectors/sandbox-types.ts). @default the start time */
  epoch?: number;
}

/** Where each sandbox answers, as `GET /_sandbox/addresses` tells another process. */
export interface SandboxAddresses {
  hubspot: string;
  mautic: string;
  /** A bare origin: the Salesforce login URL and instance URL. */
  salesforce: string;
}

export type SandboxServer = Awaited<ReturnType<typeof startSandboxServer>>;

export async function startSandboxServer(options: SandboxServerOptions = {}) {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4010;
  const common = {
    seed: options.seed ?? 42,
    contacts: options.contacts ?? 2000,
    ...(options.now ? { now: options.now } : {}),
    ...(options.epoch === undefined ? {} : { epoch: options.epoch }),
  };
  const shared = await listenApp(port, host, '--port');
  let sf: SalesforceListener;
  try {
    sf = await listenSalesforceSandbox({
      ...common,
      port: options.salesforcePort ?? (port === 0 ? 0 : port + 1),
      host,
    });
  } catch (err) {
    await shared.close();
    throw err;
  }
  const { url, app } = shared;
  const hubspot = createHubspotSandbox({ ...common, publicUrl: `${url}/hubspot` });
  const mautic = createMauticSandbox({ ...common, publicUrl: `${url}/mautic` });
  const salesforce = sf.sandbox;
  const sandboxes = [hubspot, salesforce, mautic];
  const addresses: SandboxAddresses = {
    hubspot: `${url}/hubspot`,
    mautic: `${url}/mautic`,
    salesforce: sf.url,
  };

  app.get('/_sandbox/stats', (_req, res) => {
    res.json(Object.fromEntries(sandboxes.map((s) => [s.vendor, s.stats()])));
  });
  app.get('/_sandbox/addresses', (_req, res) => {
    res.json(addresses);
  });
  app.post('/_sandbox/reset', (_req, res) => {
    for (const s of sandboxes) s.reset();
    res.status(204).end();
  });
  app.use('/hubspot', hubspot.router);
  app.use('/mautic', mautic.router);

  return {
    /** HubSpot and Mautic under `/hubspot`, `/mautic`. */
    url,
    port: shared.port,
    /** Salesforce's instance and login URL (its own port's root). */
    salesforceUrl: sf.url,
    salesforcePort: sf.port,
    addresses,
    hubspot,
    salesforce,
    mautic,
    close: async () => {
      await Promise.all([shared.close(), sf.close()]);
    },
  };
}
