/**
 * What the connect flows need per vendor: which workspace role it fills, its OAuth app (from the
 * environment; the sandbox app when the vendor URL points at a local sandbox and none is set), the
 * callback under PUBLIC_URL, and where its OAuth endpoints live.
 */
import { isLocalSandbox as isLocalMautic } from '../../connectors/mautic/index.ts';
import { SANDBOX_OAUTH_APP } from '../../connectors/sandbox-types.ts';
import type { OAuthApp } from '../pipeline/ports.ts';
import type { Env } from '../config/env.ts';
import { ConfigError } from '../errors.ts';

import { VENDOR_LABELS, type ConnectableVendor } from '../connections/vendors.ts';

export {
  CONNECTABLE_VENDORS,
  type ConnectableVendor,
  VENDOR_LABELS,
  isConnectableVendor,
  roleOf,
} from '../connections/vendors.ts';

/** `/oauth/<vendor>/callback`; Mautic's is MAUTIC_CALLBACK_PATH, the same shape. */
export function callbackPath(vendor: ConnectableVendor): string {
  return `/oauth/${vendor}/callback`;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function isLoopback(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * The OAuth base URL the flow talks to: HubSpot's API host (its sandbox serves the authorize page
 * too), Salesforce's login host, or the Mautic instance the admin typed.
 */
export function oauthBaseUrl(vendor: ConnectableVendor, env: Env, mauticBaseUrl?: string): string {
  if (vendor === 'hubspot') return trimSlash(env.HUBSPOT_API_BASE_URL);
  if (vendor === 'salesforce') return trimSlash(env.SALESFORCE_LOGIN_URL);
  if (!mauticBaseUrl) throw new ConfigError('baseUrl: the Mautic instance URL is required');
  return mauticBaseUrl;
}

/** The registered OAuth app for a vendor, or a ConfigError naming the variables to set. */
export function oauthApp(vendor: ConnectableVendor, env: Env, baseUrl: string): OAuthApp {
  const redirectUri = `${trimSlash(env.PUBLIC_URL)}${callbackPath(vendor)}`;
  const fromEnv = {
    hubspot: [env.HUBSPOT_CLIENT_ID, env.HUBSPOT_CLIENT_SECRET],
    salesforce: [env.SALESFORCE_CLIENT_ID, env.SALESFORCE_CLIENT_SECRET],
    mautic: [env.MAUTIC_CLIENT_ID, env.MAUTIC_CLIENT_SECRET],
  }[vendor];
  const [clientId, clientSecret] = fromEnv;
  if (clientId && clientSecret) return { clientId, clientSecret, redirectUri };
  // The Salesforce sandbox sits at the root of its own port, as an instance does; HubSpot's under /hubspot.
  const sandbox =
    vendor === 'mautic'
      ? isLocalMautic(baseUrl)
      : vendor === 'salesforce'
        ? isLoopback(baseUrl) && new URL(baseUrl).protocol === 'http:'
        : isLoopback(baseUrl) && new RegExp(`/${vendor}/?$`).test(new URL(baseUrl).pathname);
  if (sandbox) return { ...SANDBOX_OAUTH_APP, redirectUri };
  const prefix = vendor.toUpperCase();
  throw new ConfigError(
    `${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET must be set to connect ${VENDOR_LABELS[vendor]}`,
  );
}

/** The secret HubSpot signs webhooks with: the app's client secret unless set apart. */
export function hubspotWebhookSecret(env: Env): string | undefined {
  if (env.HUBSPOT_WEBHOOK_SECRET) return env.HUBSPOT_WEBHOOK_SECRET;
  if (env.HUBSPOT_CLIENT_SECRET) return env.HUBSPOT_CLIENT_SECRET;
  const base = trimSlash(env.HUBSPOT_API_BASE_URL);
  return isLoopback(base) && base.endsWith('/hubspot') ? SANDBOX_OAUTH_APP.clientSecret : undefined;
}
