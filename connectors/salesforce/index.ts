/**
 * The Salesforce CRM connector: handoff of qualified contacts (upsert by external id), the closed
 * loop of sales outcomes, and the schema check, on jsforce with a pinned API version.
 */
import type {
  CrmErasurePolicy,
  CrmErasureRequest,
  ExternalIdChange,
  HandoffRecord,
  HandoffResult,
  OwnerChange,
  SalesOutcome,
  WhyNote,
  WhyResult,
} from '../../src/model.ts';
import { SANDBOX_OAUTH_APP } from '../sandbox-types.ts';
import type {
  ApiWork,
  ConnectorContext,
  CrmConnector,
  CrmConnectorDefinition,
  Cursor,
  MinimumCalls,
  HandoffOptions,
  Page,
  SchemaSpec,
} from '../../src/pipeline/ports.ts';
import { type ApiUsage, SalesforceClient, type SalesforceApp } from './client.ts';
import {
  HANDOFF_CALL_MAX,
  parseSalesforceConfig,
  SALESFORCE_LOGIN_URL,
  SALESFORCE_SCOPES,
} from './config.ts';
import { Handoff, IN_LIST } from './handoff.ts';
import { SalesforceIdentity } from './identity.ts';
import {
  loadSalesforceMapping,
  parseSalesforceMapping,
  salesforceMappingFormat,
  type SalesforceMapping,
} from './mapping.ts';
import { salesforceOAuth } from './oauth.ts';
import { SalesOutcomes } from './outcomes.ts';
import { reassignOwners } from './reassign.ts';
import { missingSchema, ObjectSchemas } from './schema.ts';
import { writeWhyNotes } from './why.ts';

export { SALESFORCE_API_VERSION } from './config.ts';
export { createPkcePair, salesforceOAuth } from './oauth.ts';
export type { SalesforceApp } from './client.ts';

export interface SalesforceConnectorOptions {
  /** The connected app, needed to refresh tokens. Defaults to SALESFORCE_CLIENT_ID / _SECRET. */
  app?: SalesforceApp;
  /** Token endpoint host for refreshes; defaults to the connection's instance URL (My Domain). */
  loginUrl?: string;
  /** Defaults to the file named by the connection config, else `mappings/salesforce.yaml`. */
  mapping?: SalesforceMapping;
}

export interface SalesforceCrmConnector extends CrmConnector {
  /** The org's daily API usage from the last `Sforce-Limit-Info` header (undefined before any call). */
  apiUsage(): ApiUsage | undefined;
}

/**
 * `http://127.0.0.1:4011`: the local sandbox (at the root of its own port, as an instance is), which
 * accepts SANDBOX_OAUTH_APP. A real org is never plain http on this machine.
 */
function isLocalSandbox(baseUrl: string): boolean {
  try {
    const url = new URL(baseUrl);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

function appFromEnv(): SalesforceApp | undefined {
  const clientId = process.env.SALESFORCE_CLIENT_ID;
  const clientSecret = process.env.SALESFORCE_CLIENT_SECRET;
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

/** Records per sObject Collections call. */
const COLLECTION_SIZE = 200;

export function createSalesforceConnector(
  ctx: ConnectorContext,
  options: SalesforceConnectorOptions = {},
): SalesforceCrmConnector {
  // SALESFORCE_API_SHARE is the deployment's default; a connection's own setting wins.
  const envShare = Number(process.env.SALESFORCE_API_SHARE);
  const config = parseSalesforceConfig({
    ...(process.env.SALESFORCE_API_SHARE && Number.isFinite(envShare) ? { apiShare: envShare } : {}),
    ...ctx.connection.config,
  });
  const mapping =
    options.mapping ??
    (ctx.mappingText !== undefined
      ? parseSalesforceMapping(ctx.mappingText, 'the workspace Salesforce mapping')
      : loadSalesforceMapping(config.mappingFile));
  const app =
    options.app ?? appFromEnv() ?? (isLocalSandbox(ctx.connection.baseUrl) ? SANDBOX_OAUTH_APP : undefined);
  let opened:
    | Promise<{
        client: SalesforceClient;
        schemas: ObjectSchemas;
        handoff: Handoff;
        identity: SalesforceIdentity;
      }>
    | undefined;
  let client: SalesforceClient | undefined;
  let accountsKeyed = false;
  const open = () =>
    (opened ??= SalesforceClient.open(ctx, config, { app, loginUrl: options.loginUrl }).then((c) => {
      client = c;
      const schemas = new ObjectSchemas(c);
      return {
        client: c,
        schemas,
        handoff: new Handoff(c, schemas, mapping, config, ctx.log),
        identity: new SalesforceIdentity(c, schemas, mapping.externalIdField),
      };
    }));

  const handoffBatchSize = Math.min(config.bulkThreshold + 1, HANDOFF_CALL_MAX);
  // A call goes through Bulk API 2.0 only when it can hold more than the threshold.
  const bulkPossible = handoffBatchSize > config.bulkThreshold;
  return {
    vendor: 'salesforce',
    handoffBatchSize,
    // Contacts are filed under Accounts, which carry the account score.
    filesUnderAccounts: config.handoffObject === 'Contact',
    async handoff(records: HandoffRecord[], options?: HandoffOptions): Promise<HandoffResult> {
      if (!records.length) return { ok: [], failed: [] };
      return (await open()).handoff.run(records, options);
    },
    async writeWhy(notes: WhyNote[]): Promise<WhyResult> {
      if (!notes.length) return { ok: [], failed: [] };
      return writeWhyNotes((await open()).client, notes);
    },
    async *pullSalesOutcomes(since: Cursor | null): AsyncIterable<Page<SalesOutcome>> {
      const { client: c } = await open();
      yield* new SalesOutcomes(c, mapping, config).pull(since);
    },
    async ensureSchema(spec: SchemaSpec): Promise<string[]> {
      const { schemas } = await open();
      // Accounts are looked up by account id only where the org has the field (else by name).
      accountsKeyed =
        config.handoffObject === 'Contact' &&
        (spec.accountDimensions?.length ?? 0) > 0 &&
        (await schemas.fields('Account')).has(mapping.account.externalIdField);
      const objects =
        config.handoffObject === 'Lead' ? (['Lead', 'Contact'] as const) : (['Contact', 'Account'] as const);
      return missingSchema(schemas, mapping, spec, [...objects]);
    },
    async rekey(changes: ExternalIdChange[]) {
      if (!changes.length) return { ok: [], failed: [] };
      return (await open()).identity.rekey(changes);
    },
    async reassign(changes: OwnerChange[]) {
      if (!changes.length) return { ok: [], failed: [] };
      return reassignOwners((await open()).client, changes);
    },
    async erase(requests: CrmErasureRequest[], policy: CrmErasurePolicy) {
      if (!requests.length) return [];
      return (await open()).identity.erase(requests, policy);
    },
    apiUsage: () => client?.apiUsage(),
    // Describes of the handoff objects, Collections of 200 (a Bulk 2.0 job is five calls: create,
    // upload, close, poll, results), and the outcome queries: Leads, then Opportunities, each at least
    // one query and together one per page of outcomes (a row gives at most one outcome). Records on
    // their first handoff are looked up by external id first (never steal an owner).
    minimumCalls(work: ApiWork): MinimumCalls {
      return {
        schema: config.handoffObject === 'Lead' ? 2 : 1,
        handoff:
          bulkPossible && work.handedOff > config.bulkThreshold
            ? 5
            : Math.ceil(work.handedOff / COLLECTION_SIZE),
        sales_outcomes: Math.max(2, Math.ceil(work.salesOutcomes / config.pageSize)),
        existence: Math.ceil((work.firstHandoffs ?? 0) / IN_LIST),
        // A Contact handoff looks each call's Accounts up by account id, 100 per query (adoption,
        // creation and score updates add calls that depend on what the org already has).
        accounts: accountsKeyed ? Math.ceil((work.handedAccounts ?? 0) / IN_LIST) : 0,
      };
    },
    streamOf: salesforceStreamOf,
  };
}

/**
 * The stream of `minimumCalls` each counted endpoint belongs to: describes are the schema; queries
 * name their stream in the label (handoff.ts, outcomes.ts); Collections and Bulk jobs are handoffs
 * (the Task or note of writeWhy rides with them). Erasure queries and deletes, tokens: none.
 */
export function salesforceStreamOf(endpoint: string): string | undefined {
  const query = /^GET \/query \(\w+, (\w+)\)$/.exec(endpoint);
  if (query) return query[1];
  if (/^GET \/sobjects\/\w+\/describe$/.test(endpoint)) return 'schema';
  // Accounts filed under on a Contact handoff: looked up (queries above), created and updated.
  if (/^(POST|PATCH) \/composite\/sobjects\/Account\b/.test(endpoint)) return 'accounts';
  if (/^(POST|PATCH) \/composite\/sobjects/.test(endpoint) || /\/jobs\/ingest/.test(endpoint)) {
    return 'handoff';
  }
  return undefined;
}

/** The definition with an explicit connected app (the demo passes SANDBOX_OAUTH_APP). */
export function salesforceConnectorWith(options: SalesforceConnectorOptions): CrmConnectorDefinition {
  return {
    vendor: 'salesforce',
    kind: 'crm',
    defaultBaseUrl: SALESFORCE_LOGIN_URL,
    scopes: SALESFORCE_SCOPES,
    oauth: salesforceOAuth,
    mapping: salesforceMappingFormat,
    create: (ctx) => createSalesforceConnector(ctx, options),
  };
}

/** The connected app comes from SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET. */
export const salesforceConnector: CrmConnectorDefinition = salesforceConnectorWith({});
