/**
 * The demo's workspace talks to sandboxes that lived in the demo's own process. `leadstage sync
 * --sandbox URL` points it at the sandboxes `leadstage sandbox` serves (on whatever ports), and
 * saves that, so later syncs go there too. HubSpot and Mautic sit under URL; Salesforce has a port
 * of its own, which the sandbox at URL names (`GET /_sandbox/addresses`).
 */
import { z } from 'zod';

import { ConfigError } from '../errors.ts';
import { requestTimeouts, withDeadline } from '../http/timeouts.ts';
import type { Credentials } from '../pipeline/ports.ts';
import type { SandboxAddresses } from '../sandbox/server.ts';
import type { Store, Workspace } from '../store/index.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLocalSandbox(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && LOOPBACK.has(u.hostname);
}

/** `--sandbox`'s origin, refused unless it is a local http URL. */
function sandboxOrigin(sandboxUrl: string): string {
  let origin: string;
  try {
    origin = new URL(sandboxUrl).origin;
  } catch {
    throw new ConfigError(`--sandbox must be a URL such as http://127.0.0.1:4010, got "${sandboxUrl}"`);
  }
  if (!isLocalSandbox(origin)) {
    throw new ConfigError(`--sandbox must be a local http URL (127.0.0.1 or localhost), got "${sandboxUrl}"`);
  }
  return origin;
}

const localUrl = z.url().refine(isLocalSandbox, 'not a local http URL');
const addressesSchema = z.object({ hubspot: localUrl, mautic: localUrl, salesforce: localUrl });

/** Asks the sandbox at `sandboxUrl` where each vendor answers. */
export async function readSandboxAddresses(
  sandboxUrl: string,
  fetchImpl: typeof fetch = fetch,
): Promise<SandboxAddresses> {
  const origin = sandboxOrigin(sandboxUrl);
  const where = `${origin}/_sandbox/addresses`;
  const unreachable = (why: string) =>
    new ConfigError(
      `no leadstage sandbox answers at ${origin} (${why}): start \`leadstage sandbox --port ${new URL(origin).port || 80}\` first`,
    );
  let body: unknown;
  try {
    body = await withDeadline('GET /_sandbox/addresses', requestTimeouts().requestMs, async (signal) => {
      const res = await fetchImpl(where, { signal });
      if (!res.ok) throw unreachable(`HTTP ${res.status}`);
      return res.json();
    });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw unreachable((err as Error).message);
  }
  const parsed = addressesSchema.safeParse(body);
  if (!parsed.success) throw unreachable('its /_sandbox/addresses answer is not a list of local URLs');
  return parsed.data;
}

/** `url` with the origin of `origin` (the path, where each vendor's sandbox is mounted, stays). */
function withOrigin(url: string, origin: string): string {
  const u = new URL(url);
  const o = new URL(origin);
  u.protocol = o.protocol;
  u.host = o.host;
  return u.toString().replace(/\/$/, '');
}

/** Re-points every connection of `workspace` at the sandboxes at `addresses`; returns the new base URLs. */
export async function pointAtSandbox(
  store: Store,
  workspace: Workspace,
  addresses: SandboxAddresses,
): Promise<string[]> {
  const ids = [workspace.sourceConnectionId, workspace.crmConnectionId].filter((id): id is string => !!id);
  const connections = await Promise.all(ids.map((id) => store.connections.require(id)));
  const vendor = connections.find((c) => !isLocalSandbox(c.baseUrl));
  if (vendor) {
    throw new ConfigError(
      `workspace ${workspace.name}'s ${vendor.vendor} connection is a real account (${new URL(vendor.baseUrl).origin}), not a local sandbox: --sandbox only re-points the demo's sandbox connections`,
    );
  }
  const moved: string[] = [];
  for (const c of connections) {
    // Salesforce's sandbox is a bare origin, as an instance is; the others keep their mount path.
    const baseUrl =
      c.vendor === 'salesforce'
        ? addresses.salesforce.replace(/\/$/, '')
        : withOrigin(c.baseUrl, new URL(c.vendor === 'mautic' ? addresses.mautic : addresses.hubspot).origin);
    await store.connections.update(c.id, { baseUrl });
    // An OAuth connection also keeps the instance it signed in to (Salesforce's instance_url).
    const credentials: Credentials = await store.connections.readCredentials(c.id);
    if (credentials.kind === 'oauth2' && credentials.instanceUrl) {
      await store.connections.saveCredentials(c.id, {
        ...credentials,
        instanceUrl:
          c.vendor === 'salesforce' ? baseUrl : withOrigin(credentials.instanceUrl, new URL(baseUrl).origin),
      });
    }
    moved.push(`${c.vendor} ${baseUrl}`);
  }
  return moved;
}
