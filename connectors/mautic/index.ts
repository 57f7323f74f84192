/**
 * Mautic as a lead source: self-hosted, so every connection brings its own base URL; OAuth2
 * (authorization code) or basic auth. The OAuth app that refreshes tokens comes from MAUTIC_CLIENT_ID /
 * MAUTIC_CLIENT_SECRET with the redirect URI PUBLIC_URL + MAUTIC_CALLBACK_PATH (the sandbox app for a
 * connection to the local sandbox when they are unset).
 */
import type { ConnectorContext, OAuthApp, SourceConnectorDefinition } from '../../src/pipeline/ports.ts';
import { SANDBOX_OAUTH_APP } from '../sandbox-types.ts';
import { ConfigError } from '../../src/errors.ts';
import { MauticSourceConnector, type MauticConnectorOptions } from './connector.ts';
import { mauticMappingFormat } from './mapping-file.ts';
import { mauticOAuth } from './oauth.ts';

export { MauticSourceConnector, type KeepAliveResult } from './connector.ts';
export { mauticOAuth, normalizeBaseUrl, refreshTokenState, type RefreshTokenState } from './oauth.ts';
export {
  verifyMauticWebhook,
  signMauticWebhook,
  MAUTIC_SIGNATURE_HEADER,
  type MauticWebhookResult,
} from './webhook.ts';
export { parseMauticMapping, loadMauticMapping, type MauticMapping } from './mapping-file.ts';
export { createMauticSandbox, SANDBOX_BASIC_AUTH, type MauticSandbox } from './sandbox/index.ts';
export { MAUTIC_BATCH_LIMIT } from './write-back.ts';

/** Where the server's OAuth callback for Mautic lives, below PUBLIC_URL. */
export const MAUTIC_CALLBACK_PATH = '/oauth/mautic/callback';

/** The OAuth app from the environment, read when a refresh needs it (not at import). */
export function mauticAppFromEnv(env: NodeJS.ProcessEnv = process.env): OAuthApp {
  const clientId = env.MAUTIC_CLIENT_ID;
  const clientSecret = env.MAUTIC_CLIENT_SECRET;
  if (!clientId || !clientSecret) {
    throw new ConfigError('MAUTIC_CLIENT_ID and MAUTIC_CLIENT_SECRET must be set to refresh Mautic tokens');
  }
  return { clientId, clientSecret, redirectUri: callbackUrl(env) };
}

function callbackUrl(env: NodeJS.ProcessEnv): string {
  return `${(env.PUBLIC_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '')}${MAUTIC_CALLBACK_PATH}`;
}

/** `http://127.0.0.1:4010/mautic`: the local sandbox, which accepts SANDBOX_OAUTH_APP. */
export function isLocalSandbox(baseUrl: string): boolean {
  try {
    const url = new URL(baseUrl);
    return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && /\/mautic\/?$/.test(url.pathname);
  } catch {
    return false;
  }
}

/** The environment's app; for a connection to the local sandbox without one, the sandbox app. */
function appFor(ctx: ConnectorContext): () => OAuthApp {
  return () => {
    if (!process.env.MAUTIC_CLIENT_ID && isLocalSandbox(ctx.connection.baseUrl)) {
      return { ...SANDBOX_OAUTH_APP, redirectUri: callbackUrl(process.env) };
    }
    return mauticAppFromEnv();
  };
}

export type MauticConnectorDefinition = Omit<SourceConnectorDefinition, 'create'> & {
  create: (ctx: ConnectorContext) => MauticSourceConnector;
};

export function createMauticConnectorDefinition(
  options: Partial<MauticConnectorOptions> = {},
): MauticConnectorDefinition {
  return {
    vendor: 'mautic',
    kind: 'source',
    // No default: Mautic is self-hosted. The connection's base URL is required.
    defaultBaseUrl: '',
    // Mautic's OAuth2 has no scopes: access follows the Mautic user who authorized.
    scopes: [],
    oauth: mauticOAuth,
    mapping: mauticMappingFormat,
    create: (ctx) =>
      new MauticSourceConnector(ctx, { oauthApp: options.oauthApp ?? appFor(ctx), ...options }),
  };
}

export const mauticConnector: MauticConnectorDefinition = createMauticConnectorDefinition();

// The registry takes it as a plain source definition.
mauticConnector satisfies SourceConnectorDefinition;
