/**
 * The contracts between the pipeline and the vendor connectors. The core defines them, so `src/`
 * never needs a vendor folder: connectors import from here and from `src/model.ts`,
 * `src/errors.ts`, `src/http/`, `src/log.ts`, `mappings/`, never from the rest of the pipeline, the
 * store or jobs; only the composition roots (CLI, server, demo, jobs) look vendors up.
 */
import type { RateLimiter } from '../http/rate-limiter.ts';
import type { Logger } from '../log.ts';
import type {
  Contact,
  CrmErasureOutcome,
  CrmErasurePolicy,
  CrmErasureRequest,
  EngagementEvent,
  ExternalIdChange,
  HandoffRecord,
  HandoffResult,
  OwnerChange,
  OwnerChoice,
  RecordFailure,
  SalesOutcome,
  StageChange,
  Vendor,
  WhyNote,
  WhyResult,
  WriteResult,
} from '../model.ts';

/** A flat, JSON-safe position in a stream, stored per connection and stream. */
export type Cursor = Record<string, string | number | null>;

export interface Page<T> {
  records: T[];
  /** Position after this page: persisted once the page's writes have succeeded. */
  cursor: Cursor;
  /**
   * How many records the whole pull yields, counting the pages before this one, when the vendor
   * says (HubSpot search and Mautic's contact list answer a `total`): an estimate, since records can
   * change while the pull pages. Absent when the vendor does not tell; progress then has no total.
   */
  total?: number;
}

export type Credentials =
  | {
      kind: 'oauth2';
      accessToken: string;
      refreshToken?: string;
      /** ISO-8601. */
      expiresAt?: string;
      scopes?: string[];
      /** Salesforce's `instance_url` from the token response. */
      instanceUrl?: string;
      /** ISO-8601 of the last successful refresh (Mautic refresh tokens die after 14 idle days). */
      refreshedAt?: string;
    }
  | { kind: 'private_app'; token: string }
  | { kind: 'basic'; username: string; password: string };

/** Decrypted credentials of one connection; the store keeps them encrypted at rest. */
export interface CredentialStore {
  read(): Promise<Credentials>;
  /**
   * Runs `refresh` under a per-connection lock (one refresh at a time, even across workers) with the
   * latest stored credentials; saves and returns what it returns. When another holder refreshed
   * meanwhile, `refresh` sees the fresh credentials and may return them unchanged.
   */
  refresh(refresh: (current: Credentials) => Promise<Credentials>): Promise<Credentials>;
  /** Marks the connection `needs_reconnect` with a message for the admin. */
  markNeedsReconnect(reason: string): Promise<void>;
}

/** Counts API calls per vendor for the run summary and metrics. */
export interface ApiCallCounter {
  count(vendor: Vendor, endpoint: string, n?: number): void;
  /** What the vendor says is left of its daily API allowance, from its response headers. */
  budget?(vendor: Vendor, remaining: number, limit: number): void;
}

export interface ConnectionInfo {
  id: string;
  vendor: Vendor;
  /** Base URL of the vendor API: HubSpot's default or a sandbox, the Mautic host, Salesforce instance. */
  baseUrl: string;
  accountId?: string;
  /** Vendor-specific settings, validated by the connector's `configSchema`. */
  config: Record<string, unknown>;
}

/** An optional stream that failed after its retries and was skipped; its cursor stays where it was. */
export interface StreamWarning {
  vendor: Vendor;
  stream: string;
  message: string;
}

export interface ConnectorContext {
  connection: ConnectionInfo;
  credentials: CredentialStore;
  limiter: RateLimiter;
  calls: ApiCallCounter;
  log: Logger;
  /** Injected clock, so tests control token expiry and windows. */
  now?: () => Date;
  /** Reports a skipped optional stream to the run (summary and run record). */
  warn?: (warning: StreamWarning) => void;
  /**
   * The workspace's own mapping for this vendor (YAML text, validated when saved); absent: the
   * vendor's default (`mappings/<vendor>.yaml`). Connectors parse it with their `mapping` port.
   */
  mappingText?: string;
}

/** What the model needs to exist in the vendor: stages and one score property per dimension. */
export interface SchemaSpec {
  stages: { key: string; label: string }[];
  dimensions: string[];
  /**
   * The model's account dimensions (empty or absent: no accounts): sources then read each
   * contact's company, CRMs that file contacts under accounts check the account score fields.
   */
  accountDimensions?: string[];
  /**
   * Learn the model's stages and what the vendor has, as for a run, but create or change nothing
   * (a dry run: how contacts' stages are read depends on it, the writes are withheld).
   */
  learnOnly?: boolean;
}

/**
 * The work a run did, from which a connector says the fewest API calls it could have taken. A dry
 * run passes its writes as zero and `learnOnly`: they were withheld, so they made no calls.
 */
export interface ApiWork {
  contacts: number;
  eventsByType: Record<string, number>;
  writtenBack: number;
  /** Write-backs that moved a stage backwards (HubSpot needs a second request for them). */
  recycled: number;
  handedOff: number;
  /**
   * Records sent on their first handoff: the CRM looks them up by external id before it creates
   * any (owners are chosen only for records it does not have yet). Absent: none.
   */
  firstHandoffs?: number;
  /**
   * Summed over handoff calls, the distinct accounts of each call's records that are written
   * directly (not following a converted record, not matched on email): a CRM that files contacts
   * under accounts looks these up. Absent: none.
   */
  handedAccounts?: number;
  salesOutcomes: number;
  /** Schemas were only learnt, not created (a dry run): no schema write was possible. */
  learnOnly?: boolean;
  /** The event types the model reads (absent: any): streams of other types were not read. */
  eventTypes?: readonly string[];
}

/**
 * The fewest calls a run's work allowed, per stream (`contacts`, `engagement`, `write_back`, `schema`,
 * `handoff`, `sales_outcomes`…): each stream read is at least one page, else ceil(records / the
 * vendor's documented page size); writes are ceil(records / batch size). A true lower bound: the
 * calls a run makes (retries included) are never fewer.
 */
export type MinimumCalls = Record<string, number>;

/**
 * The stream (a `minimumCalls` key) the calls counted under `endpoint` belong to; undefined for
 * calls of no stream (tokens, probes), which the summary lists under `other`.
 */
export type StreamOf = (endpoint: string) => string | undefined;

export interface SourceConnector {
  readonly vendor: Vendor;
  /** Contacts changed since `since` (null: everything), oldest first, in pages. */
  pullContacts(since: Cursor | null): AsyncIterable<Page<Contact>>;
  /**
   * Engagement events since `since` (null: everything), in pages. `eventTypes`: the canonical types
   * the model reads; a connector may skip the vendor calls of streams that produce none of them
   * (their cursors stay where they were, so a model that starts reading one gets its history).
   * Absent: every mapped stream.
   */
  pullEngagement(since: Cursor | null, eventTypes?: readonly string[]): AsyncIterable<Page<EngagementEvent>>;
  /** Contacts by id (webhook-driven re-qualification). Missing ids are left out. */
  fetchContacts(ids: string[]): Promise<Contact[]>;
  /** Writes stage, scores, reason and model version back; one outcome per record. */
  writeBack(changes: StageChange[]): Promise<WriteResult>;
  /** Creates custom properties / stages the model needs when missing. */
  ensureSchema(spec: SchemaSpec): Promise<void>;
  /** The fewest calls this work allows with the vendor's page and batch sizes (for the run summary). */
  minimumCalls?(work: ApiWork): MinimumCalls;
  /** How this connector's counted endpoints map to the streams of `minimumCalls`. */
  streamOf?: StreamOf;
  /** The most changes one writeBack call takes in one vendor request (the pipeline's default otherwise). */
  readonly writeBatchSize?: number;
  /**
   * For vendors whose merge reaches us only as a deletion of the merged-away contact (Mautic): what
   * became of each id the source reported deleted. A string is the contact it was merged into, null
   * means really gone (erase); ids left out of the map still exist (nothing to do).
   */
  fateOfDeleted?(ids: string[]): Promise<Map<string, string | null>>;
  /** The contact property / field names the vendor account has (the doctor checks mapped facts). */
  fieldNames?(): Promise<string[]>;
  /** What this vendor account can do, asked on connect and kept in the connection's config. */
  probe?(): Promise<ConnectionProbe>;
}

/** A connector's findings about an account on connect. */
export interface ConnectionProbe {
  /** Merged into the connection's `config` (the connector reads it back on every run). */
  config: Record<string, unknown>;
  /** What was found, in words, for the admin. */
  notes: string[];
}

export interface HandoffOptions {
  /**
   * Asked once per batch for the records this handoff is about to create (never for a record the
   * CRM already has, whoever owns it), in order; one choice per record. Without it, new records get
   * the CRM's default owner.
   */
  chooseOwners?(created: HandoffRecord[]): Promise<OwnerChoice[]>;
}

export interface CrmConnector {
  readonly vendor: Vendor;
  /**
   * Upserts by external id; one outcome per record. Owners are set on records it creates, never
   * changed on records that exist (no assignment rule runs on an update either).
   */
  handoff(records: HandoffRecord[], options?: HandoffOptions): Promise<HandoffResult>;
  /** Writes the Task or note that explains each handoff: updates `existingId`, else creates one. */
  writeWhy?(notes: WhyNote[]): Promise<WhyResult>;
  /**
   * The most records one handoff call takes (the pipeline's default otherwise): a CRM whose bulk
   * path starts above some size needs calls larger than that size to ever use it.
   */
  readonly handoffBatchSize?: number;
  /**
   * Handed-off records are filed under account records (Salesforce Contacts under Accounts): each
   * HandoffRecord then carries its account's dimensions, and a change in them hands it off again.
   */
  readonly filesUnderAccounts?: boolean;
  /** What sales did since `since` (null: everything), in pages. */
  pullSalesOutcomes(since: Cursor | null): AsyncIterable<Page<SalesOutcome>>;
  /** Checks the external id and custom fields exist; returns what is missing, in words. */
  ensureSchema(spec: SchemaSpec): Promise<string[]>;
  minimumCalls?(work: ApiWork): MinimumCalls;
  streamOf?: StreamOf;
  /**
   * Rewrites external ids in place on the records that carry them (converted Leads keep theirs).
   * Returns the changes applied or found nothing to change; failures are per record, by `from`.
   */
  rekey?(changes: ExternalIdChange[]): Promise<{ ok: string[]; failed: RecordFailure[] }>;
  /**
   * Gives records a new owner by CRM id, running no assignment rule; outcomes by `key`. Used when a
   * stay breaches its SLA and the workspace reassigns.
   */
  reassign?(changes: OwnerChange[]): Promise<{ ok: string[]; failed: RecordFailure[] }>;
  /** Erases people by `policy`; one outcome per CRM record found (or `not_found` per request). */
  erase?(requests: CrmErasureRequest[], policy: CrmErasurePolicy): Promise<CrmErasureOutcome[]>;
}

/** An OAuth app's registration, from the environment. */
export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface OAuthFlow {
  /** Where to send the admin's browser. `codeChallenge` is the S256 PKCE challenge where supported. */
  authorizeUrl(app: OAuthApp, params: { state: string; codeChallenge?: string; baseUrl?: string }): string;
  /** Exchanges the callback's code for credentials. */
  exchangeCode(
    app: OAuthApp,
    params: { code: string; codeVerifier?: string; baseUrl?: string },
  ): Promise<{ credentials: Credentials; accountId: string; baseUrl: string }>;
  /** Revokes the tokens on disconnect. */
  revoke?(app: OAuthApp, credentials: Credentials, baseUrl: string): Promise<void>;
}

export interface SourceConnectorDefinition {
  vendor: Vendor;
  kind: 'source';
  /** Default API base URL (overridable per connection, e.g. for the sandbox). */
  defaultBaseUrl: string;
  scopes: string[];
  oauth: OAuthFlow;
  /** The vendor's mapping format (per-workspace mappings, the doctor). */
  mapping?: MappingFormat;
  create(ctx: ConnectorContext): SourceConnector;
}

export interface CrmConnectorDefinition {
  vendor: Vendor;
  kind: 'crm';
  defaultBaseUrl: string;
  scopes: string[];
  oauth: OAuthFlow;
  mapping?: MappingFormat;
  create(ctx: ConnectorContext): CrmConnector;
}

/** How a model stage gets a vendor value when the mapping does not name one. */
export type UnmappedStagePolicy =
  /** The nearest lower stage's value (HubSpot lifecycle: a fixed list of values). */
  | 'nearest_lower'
  /** A vendor stage named after the model's label is created (Mautic stages). */
  | 'created_from_label'
  /** The stage key is written as it is (a Salesforce text or picklist field). */
  | 'passthrough';

/** A vendor mapping reduced to what the core needs to show it and check a model against it. */
export interface MappingOutline {
  /** Canonical contact properties the mapping fills, with the vendor field each comes from. */
  facts: { property: string; field: string }[];
  /** Model stage key → the vendor value the mapping names for it. */
  stages: Record<string, string>;
  unmappedStage: UnmappedStagePolicy;
  /** Canonical event types the mapping produces from the vendor's activity. */
  eventTypes: string[];
  /** Vendor fields leadstage writes (created or checked by `ensureSchema`). */
  writeFields: string[];
}

/** A vendor's mapping file format: the shipped default and a validator. */
export interface MappingFormat {
  /** The shipped default (`mappings/<vendor>.yaml`) as text. */
  defaultText(): string;
  /**
   * Validates mapping text and outlines it. Throws ValidationError / ConfigError whose message names
   * `source`, the line and the field of each problem.
   */
  outline(text: string, source: string): MappingOutline;
}

export type ConnectorDefinition = SourceConnectorDefinition | CrmConnectorDefinition;
