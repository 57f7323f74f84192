/**
 * The OAuth half of `leadstage connect`: prints the vendor's authorize URL and waits for the
 * browser's redirect on a local port (src/connections/loopback.ts), then exchanges the code. The
 * OAuth app comes from the environment (`<VENDOR>_CLIENT_ID`/`_SECRET`), or is the sandbox app when
 * the base URL is a local sandbox, as in the web app; its redirect URI must be
 * `http://127.0.0.1:<port>/oauth/<vendor>/callback`.
 */
import { normalizeBaseUrl } from '../../connectors/mautic/index.ts';
import { createPkcePair } from '../../connectors/salesforce/index.ts';
import type { Env } from '../config/env.ts';
import type { Grant } from '../connections/attach.ts';
import { authorizeUrl } from '../connections/authorize.ts';
import { startLoopback } from '../connections/loopback.ts';
import type { OAuthFlow } from '../pipeline/ports.ts';
import {
  VENDOR_LABELS,
  callbackPath,
  oauthApp,
  oauthBaseUrl,
  trimSlash,
  type ConnectableVendor,
} from '../server/vendors.ts';

export interface OAuthOptions {
  baseUrl?: string | undefined;
  port: number;
  timeoutMs: number;
  scopes: string[];
  print: (line: string) => void;
}

/** Where the flow starts: `--base-url`, else the vendor's configured OAuth host. */
function flowBase(vendor: ConnectableVendor, env: Env, baseUrl: string | undefined): string {
  if (vendor === 'mautic') return normalizeBaseUrl(baseUrl);
  return baseUrl ? trimSlash(baseUrl) : oauthBaseUrl(vendor, env);
}

export async function oauthGrant(
  vendor: ConnectableVendor,
  flow: OAuthFlow,
  env: Env,
  o: OAuthOptions,
): Promise<Grant> {
  const baseUrl = flowBase(vendor, env, o.baseUrl);
  const registered = oauthApp(vendor, env, baseUrl);
  const loop = await startLoopback({ port: o.port, path: callbackPath(vendor), timeoutMs: o.timeoutMs });
  try {
    const app = { ...registered, redirectUri: loop.redirectUri };
    const pkce = vendor === 'salesforce' ? createPkcePair() : undefined;
    o.print(`Open this address in a browser to connect ${VENDOR_LABELS[vendor]}:`);
    o.print(`  ${authorizeUrl(flow, app, { state: loop.state, baseUrl, codeChallenge: pkce?.challenge })}`);
    o.print(`Waiting for the answer on ${loop.redirectUri} (${Math.round(o.timeoutMs / 1000)} s)…`);
    const code = await loop.code;
    const grant = await flow.exchangeCode(app, {
      code,
      baseUrl,
      ...(pkce ? { codeVerifier: pkce.verifier } : {}),
    });
    const c = grant.credentials;
    return {
      vendor,
      accountId: grant.accountId,
      baseUrl: grant.baseUrl,
      scopes: c.kind === 'oauth2' ? (c.scopes ?? o.scopes) : o.scopes,
      credentials: c,
    };
  } finally {
    await loop.close();
  }
}
