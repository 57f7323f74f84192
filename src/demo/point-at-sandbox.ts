/**
 * The demo's workspace talks to sandboxes that lived in the demo's own process. `leadstage sync
 * --sandbox URL` points it at the sandboxes `leadstage sandbox` serves (on whatever port), and
 * saves that, so later syncs go there too.
 */
import { ConfigError } from '../errors.ts';
import type { Credentials } from '../pipeline/ports.ts';
import type { Store, Workspace } from '../store/index.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLocalSandbox(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && LOOPBACK.has(u.hostname);
}

/** `url` with the origin of `origin` (the path, where each vendor's sandbox is mounted, stays). */
function withOrigin(url: string, origin: string): string {
  const u = new URL(url);
  const o = new URL(origin);
  u.protocol = o.protocol;
  u.host = o.host;
  return u.toString().replace(/\/$/, '');
}

/** Re-points every connection of `workspace` at the sandboxes on `sandboxUrl`; returns the new base URLs. */
export async function pointAtSandbox(
  store: Store,
  workspace: Workspace,
  sandboxUrl: string,
): Promise<string[]> {
  let origin: string;
  try {
    origin = new URL(sandboxUrl).origin;
  } catch {
    throw new ConfigError(`--sandbox must be a URL such as http://127.0.0.1:4010, got "${sandboxUrl}"`);
  }
  if (!isLocalSandbox(origin)) {
    throw new ConfigError(`--sandbox must be a local http URL (127.0.0.1 or localhost), got "${sandboxUrl}"`);
  }
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
    const baseUrl = withOrigin(c.baseUrl, origin);
    await store.connections.update(c.id, { baseUrl });
    // An OAuth connection also keeps the instance it signed in to (Salesforce's instance_url).
    const credentials: Credentials = await store.connections.readCredentials(c.id);
    if (credentials.kind === 'oauth2' && credentials.instanceUrl) {
      await store.connections.saveCredentials(c.id, {
        ...credentials,
        instanceUrl: withOrigin(credentials.instanceUrl, origin),
      });
    }
    moved.push(`${c.vendor} ${baseUrl}`);
  }
  return moved;
}
