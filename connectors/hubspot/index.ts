/**
 * HubSpot as a leadstage source: `hubspotConnector` is what the pipeline registers.
 */
import { SANDBOX_OAUTH_APP } from '../sandbox-types.ts';
import type { ConnectorContext, SourceConnectorDefinition } from '../../src/pipeline/ports.ts';
import { ConfigError } from '../../src/errors.ts';
import type { AppCredentials } from './auth.ts';
import { HubspotSourceConnector, type HubspotConnectorOptions } from './connector.ts';
import { hubspotMappingFormat } from './mapping.ts';
import { HUBSPOT_API_BASE_URL, REQUIRED_SCOPES, createHubspotOAuth, trimSlash } from './oauth.ts';

export { HubspotSourceConnector } from './connector.ts';
export { verifyHubspotWebhook, signHubspotWebhookV3, type WebhookVerdict } from './webhook.ts';
export { loadHubspotMapping, parseHubspotMapping, type HubspotMapping } from './mapping.ts';
export { HUBSPOT_API_BASE_URL, HUBSPOT_AUTHORIZE_URL } from './oauth.ts';
export { createHubspotSandbox, SANDBOX_PRIVATE_APP_TOKEN } from './sandbox/index.ts';

/** Page and batch sizes, for the sync summary's "minimum calls" figure. */
export { SEARCH_PAGE_SIZE, SEARCH_RESULT_CAP } from './search.ts';
export { BATCH_SIZE } from './connector.ts';
export { EMAIL_EVENTS_PAGE_SIZE, WEB_EVENTS_PAGE_SIZE } from './engagement.ts';

export interface HubspotDefinitionOptions {
  /** OAuth app used to refresh tokens. Default: HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET. */
  app?: AppCredentials;
  /** Authorize page override (HUBSPOT_AUTHORIZE_URL); default: HubSpot's, or `<baseUrl>/oauth/authorize`. */
  authorizeUrl?: string;
  /** Passed to every connector created (tests: retry attempts, jitter, a fixed mapping). */
  connector?: Partial<HubspotConnectorOptions>;
}

/**
 * The app credentials for token refresh: explicit, else the environment, else (only when the
 * connection points somewhere other than HubSpot) the sandbox app.
 */
function appFor(ctx: ConnectorContext, explicit?: AppCredentials): () => AppCredentials {
  return () => {
    if (explicit) return explicit;
    const clientId = process.env.HUBSPOT_CLIENT_ID;
    const clientSecret = process.env.HUBSPOT_CLIENT_SECRET;
    if (clientId && clientSecret) return { clientId, clientSecret };
    if (trimSlash(ctx.connection.baseUrl) !== HUBSPOT_API_BASE_URL) return SANDBOX_OAUTH_APP;
    throw new ConfigError('HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are needed to refresh HubSpot tokens');
  };
}

export function createHubspotConnectorDefinition(
  options: HubspotDefinitionOptions = {},
): SourceConnectorDefinition {
  return {
    vendor: 'hubspot',
    kind: 'source',
    defaultBaseUrl: HUBSPOT_API_BASE_URL,
    scopes: REQUIRED_SCOPES,
    oauth: createHubspotOAuth(options.authorizeUrl ? { authorizeUrl: options.authorizeUrl } : {}),
    mapping: hubspotMappingFormat,
    create: (ctx) => new HubspotSourceConnector(ctx, { ...options.connector, app: appFor(ctx, options.app) }),
  };
}

export const hubspotConnector: SourceConnectorDefinition = createHubspotConnectorDefinition({
  ...(process.env.HUBSPOT_AUTHORIZE_URL ? { authorizeUrl: process.env.HUBSPOT_AUTHORIZE_URL } : {}),
});
