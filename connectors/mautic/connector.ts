/**
 * The Mautic source connector: composes the client, the streams, write-back and schema setup.
 */
import type {
  ApiWork,
  ConnectionProbe,
  ConnectorContext,
  Cursor,
  MinimumCalls,
  OAuthApp,
  Page,
  SchemaSpec,
  SourceConnector,
} from '../../src/pipeline/ports.ts';
import type { Contact, EngagementEvent, StageChange, WriteResult } from '../../src/model.ts';
import { AuthError } from '../../src/errors.ts';
import { pullActivity } from './activity-stream.ts';
import { MauticAuth } from './auth.ts';
import { MauticClient } from './client.ts';
import { withCompanies } from './companies.ts';
import { parseMauticConfig, type MauticConfig } from './config.ts';
import { fateOfDeleted, fetchContactsByIds, pullContacts } from './contacts-stream.ts';
import { loadMauticMapping, parseMauticMapping, type MauticMapping } from './mapping-file.ts';
import { mauticEventsRead, stageKeyByName, toContact, toEngagementEvent } from './mapping.ts';
import { normalizeBaseUrl, refreshTokenState } from './oauth.ts';
import { probeStageWrite } from './probe.ts';
import { MauticSchema, reasonFieldLength, stageNameFor, wantedFields } from './schema.ts';
import { MAUTIC_BATCH_LIMIT, writeBackChanges, type ReasonLength } from './write-back.ts';
import { readPages } from '../../src/pipeline/minimum-calls.ts';
import type { MauticContact } from './wire.ts';

export interface MauticConnectorOptions {
  /** The OAuth app used to refresh tokens; read when a refresh is due. */
  oauthApp: () => OAuthApp;
  mapping?: MauticMapping;
  /** Injected for tests: the wait between retries. */
  sleep?: (ms: number) => Promise<void>;
}

export type KeepAliveResult = 'not_oauth' | 'fresh' | 'refreshed' | 'needs_reconnect';

/**
 * The stream of `minimumCalls` each counted endpoint (`<METHOD> /api<path>`, client.ts) belongs
 * to; a stage move of one contact is a write. Tokens belong to none.
 */
export function mauticStreamOf(endpoint: string): string | undefined {
  const path = /^[A-Z]+ \/api(\/[^?\s]*)/.exec(endpoint)?.[1];
  if (path === undefined) return undefined;
  if (path === '/contacts/activity') return 'engagement';
  if (path === '/contacts/batch/edit' || /^\/stages\/[^/]+\/contact\//.test(path)) return 'write_back';
  if (/^\/contacts(\/\d+)?$/.test(path)) return 'contacts';
  if (/^\/(stages|fields\/contact)(\/new)?$/.test(path)) return 'schema';
  if (path === '/companies') return 'companies';
  return undefined;
}

export class MauticSourceConnector implements SourceConnector {
  readonly vendor = 'mautic' as const;
  readonly streamOf = mauticStreamOf;
  readonly baseUrl: string;
  private readonly config: MauticConfig;
  private readonly mapping: MauticMapping;
  private readonly auth: MauticAuth;
  private readonly client: MauticClient;
  /** Stage key → Mautic stage name, for model stages named by their label (set by ensureSchema). */
  private readonly stageNames = new Map<string, string>();
  /** Mautic stage name (lowercased) → stage key, for reading contacts; rebuilt after ensureSchema. */
  private stageKeys: Map<string, string> | null = null;
  private readonly schema: MauticSchema;
  private readonly ctx: ConnectorContext;
  /** The batch edit's size, Mautic's `api_batch_max_limit`: the pipeline sends this many at once. */
  readonly writeBatchSize = MAUTIC_BATCH_LIMIT;
  /** The reason field's real length: as created, lowered when Mautic names a shorter one. */
  private readonly reasonLength: ReasonLength;
  /** The model rolls contacts up to accounts (learnt in ensureSchema): read their companies. */
  private withCompanies = false;

  constructor(ctx: ConnectorContext, options: MauticConnectorOptions) {
    this.ctx = ctx;
    this.baseUrl = normalizeBaseUrl(ctx.connection.baseUrl);
    this.config = parseMauticConfig(ctx.connection.config);
    this.mapping =
      options.mapping ??
      (ctx.mappingText !== undefined
        ? parseMauticMapping(ctx.mappingText, 'the workspace Mautic mapping')
        : loadMauticMapping());
    let client: MauticClient | null = null;
    this.auth = new MauticAuth(ctx, {
      baseUrl: this.baseUrl,
      app: options.oauthApp,
      renewAfterDays: this.config.renewRefreshTokenAfterDays,
      timeoutMs: this.config.requestTimeoutMs,
      around: (endpoint, call) => client!.around(endpoint, call),
    });
    client = new MauticClient(ctx, this.auth, this.config, this.baseUrl, options.sleep);
    this.client = client;
    this.schema = new MauticSchema(client);
    this.reasonLength = { max: reasonFieldLength(this.mapping) };
  }

  private now(): Date {
    return this.ctx.now?.() ?? new Date();
  }

  /** Once ensureSchema told us the model's stages, only those are read back; before, the mapping's. */
  private mapContact = (c: MauticContact): Contact => {
    this.stageKeys ??= stageKeyByName(
      this.stageNames.size > 0 ? { stages: Object.fromEntries(this.stageNames) } : this.mapping,
    );
    return toContact(c, this.mapping, this.stageKeys);
  };

  async *pullContacts(since: Cursor | null): AsyncIterable<Page<Contact>> {
    for await (const page of pullContacts(this.client, since, {
      pageSize: this.config.pageSize,
      overlapSeconds: this.config.overlapSeconds,
      now: () => this.now(),
      map: this.mapContact,
    })) {
      yield { ...page, records: await this.companies(page.records) };
    }
  }

  /** With accounts in the model, each contact carries its primary company's fields. */
  private companies(contacts: Contact[]): Promise<Contact[]> {
    return this.withCompanies ? withCompanies(this.client, contacts) : Promise.resolve(contacts);
  }

  /**
   * Only the Mautic event types whose canonical type the model reads are asked for (`eventTypes`):
   * event detail the model never reads costs vendor pages and nothing else. The others keep their
   * positions, so a model that starts reading one gets its history (activity-stream.ts).
   */
  pullEngagement(since: Cursor | null, eventTypes?: readonly string[]): AsyncIterable<Page<EngagementEvent>> {
    return pullActivity(this.client, since, {
      pageSize: this.config.activityPageSize,
      overlapSeconds: this.config.overlapSeconds,
      eventTypes: mauticEventsRead(this.mapping, eventTypes),
      mappedEventTypes: mauticEventsRead(this.mapping, undefined),
      map: (e) => toEngagementEvent(e, this.mapping),
    });
  }

  async fetchContacts(ids: string[]): Promise<Contact[]> {
    return this.companies(await fetchContactsByIds(this.client, ids, this.mapContact));
  }

  fateOfDeleted(ids: string[]): Promise<Map<string, string | null>> {
    return fateOfDeleted(this.client, ids);
  }

  private stageName = (key: string): string => this.stageNames.get(key) ?? stageNameFor(this.mapping, key);

  /** Whether stages can ride in the batch edit (recorded on the connection as `stageWrite`). */
  probe(): Promise<ConnectionProbe> {
    return probeStageWrite(this.client);
  }

  async writeBack(changes: StageChange[]): Promise<WriteResult> {
    if (changes.length === 0) return { ok: [], failed: [] };
    // Mautic drops values for fields it lacks: make sure the targets exist (cached after the first call).
    const dimensions = new Set(changes.flatMap((c) => Object.keys(c.scores)));
    await this.schema.ensureFields(wantedFields(this.mapping, dimensions));
    const moving = [...new Set(changes.filter((c) => c.stage !== c.previousStage).map((c) => c.stage))];
    await this.schema.ensureStages(moving.map((key) => ({ key, name: this.stageName(key) })));
    return writeBackChanges(
      this.client,
      changes,
      this.mapping,
      { ids: () => this.schema.stageIds(), nameOf: this.stageName },
      this.config.stageWrite,
      this.reasonLength,
    );
  }

  /**
   * Contact pages at their size; activity pages by the busiest event type, as Mautic pages each type
   * on its own (a page holds up to `activityPageSize` events of every type: activity-stream.ts);
   * batch edits of 200, plus a Stages API call per recycled contact unless stages ride in the batch
   * (other writes may carry scores alone, which take no stage call); and the stage and field lists
   * ensureSchema reads when it may create them. Only the event types the model reads are asked for:
   * none read, no activity call.
   */
  minimumCalls(work: ApiWork): MinimumCalls {
    const read = new Set(mauticEventsRead(this.mapping, work.eventTypes));
    // Canonical type → the Mautic event types asked for that give it: a page holds up to a page
    // size of each (a type read brings every canonical type its rules give, read or not).
    const sources = new Map<string, Set<string>>();
    for (const m of this.mapping.events) {
      if (read.has(m.event)) sources.set(m.type, (sources.get(m.type) ?? new Set()).add(m.event));
    }
    let activity = 1;
    for (const [type, events] of sources) {
      const perPage = this.config.activityPageSize * events.size;
      activity = Math.max(activity, Math.ceil((work.eventsByType[type] ?? 0) / perPage));
    }
    return {
      contacts: readPages(work.contacts, this.config.pageSize),
      // With accounts, one companies query per page of contacts (at most 50 company names on a page).
      ...(this.withCompanies && work.contacts > 0
        ? { companies: Math.ceil(work.contacts / this.config.pageSize) }
        : {}),
      ...(read.size > 0 ? { engagement: activity } : {}),
      write_back:
        Math.ceil(work.writtenBack / MAUTIC_BATCH_LIMIT) +
        (this.config.stageWrite === 'batch' ? 0 : work.recycled),
      schema: work.learnOnly ? 0 : 2,
    };
  }

  /** Every contact field alias the instance has (the doctor checks the mapping with it). */
  async fieldNames(): Promise<string[]> {
    return [...(await this.schema.fieldAliases())];
  }

  async ensureSchema(spec: SchemaSpec): Promise<void> {
    this.stageNames.clear();
    for (const s of spec.stages) this.stageNames.set(s.key, stageNameFor(this.mapping, s.key, s.label));
    this.stageKeys = null;
    this.withCompanies = (spec.accountDimensions?.length ?? 0) > 0;
    if (spec.learnOnly) return;
    this.schema.invalidate();
    await this.schema.ensureStages(
      spec.stages.map((s, index) => ({ key: s.key, name: this.stageName(s.key), weight: (index + 1) * 10 })),
    );
    await this.schema.ensureFields(wantedFields(this.mapping, spec.dimensions));
  }

  /**
   * Keeps an idle OAuth2 connection alive: refreshes once the refresh token is
   * `renewRefreshTokenAfterDays` old (each refresh issues a new 14-day one), and flags the connection
   * for reconnect when that fails or the token is already past 14 days. Schedule it daily.
   */
  async keepAlive(): Promise<KeepAliveResult> {
    const creds = await this.ctx.credentials.read();
    if (creds.kind !== 'oauth2') return 'not_oauth';
    const state = refreshTokenState(creds, this.now().getTime(), this.config.renewRefreshTokenAfterDays);
    if (state === 'fresh') return 'fresh';
    try {
      await this.auth.refresh();
      return 'refreshed';
    } catch (err) {
      if (err instanceof AuthError) return 'needs_reconnect';
      throw err;
    }
  }
}
