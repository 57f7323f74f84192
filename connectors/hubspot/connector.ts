/**
 * The HubSpot source connector: contacts through the search API, engagement through the email
 * events, web analytics events and a meeting date property, write-back through batch update.
 */
import type {
  ApiWork,
  ConnectorContext,
  Cursor,
  MinimumCalls,
  Page,
  SchemaSpec,
  SourceConnector,
} from '../../src/pipeline/ports.ts';
import type {
  Contact,
  EngagementEvent,
  Properties,
  RecordFailure,
  StageChange,
  WriteResult,
} from '../../src/model.ts';
import { AuthError, TransientError } from '../../src/errors.ts';
import { HubspotApi, HubspotApiError, errorMessage, type HubspotApiOptions } from './api.ts';
import { type AppCredentials, TokenProvider } from './auth.ts';
import { type HubspotConfig, parseHubspotConfig } from './config.ts';
import { EmailIds } from './email-ids.ts';
import {
  EMAIL_EVENTS_ENDPOINT,
  EMAIL_EVENTS_PAGE_SIZE,
  WEB_EVENTS_ENDPOINT,
  readEmailEvents,
  readWebEvents,
  WEB_EVENTS_PAGE_SIZE,
} from './engagement.ts';
import {
  type HubspotMapping,
  contactPropertyNames,
  convertValue,
  loadHubspotMapping,
  parseHubspotMapping,
  scorePropertyName,
} from './mapping.ts';
import { ASSOCIATION_BATCH, COMPANY_ENDPOINTS, companiesOf } from './companies.ts';
import {
  walkByDate,
  parseHubspotTime,
  SEARCH_ENDPOINT,
  SEARCH_PAGE_SIZE,
  SEARCH_RESULT_CAP,
} from './search.ts';
import { type LifecycleOption, StageMap } from './stages.ts';
import { readPages, streamPages } from '../../src/pipeline/minimum-calls.ts';

/** Batch endpoints take at most 100 inputs. */
export const BATCH_SIZE = 100;
const DAY_MS = 86_400_000;
/** Addresses the connector remembers for email events (email-ids.ts): about 12 MB. */
export const EMAIL_IDS_KEPT = 100_000;

export const ENDPOINTS = {
  batchRead: 'POST /crm/v3/objects/contacts/batch/read',
  /** The same read by email: the contacts email events name (counted with the email stream). */
  batchReadByEmail: 'POST /crm/v3/objects/contacts/batch/read (email)',
  /** The contacts search by the meeting property (counted with the meetings stream). */
  meetingsSearch: 'POST /crm/v3/objects/contacts/search (meetings)',
  batchUpdate: 'POST /crm/v3/objects/contacts/batch/update',
  properties: 'GET /crm/v3/properties/contacts',
  property: 'GET /crm/v3/properties/contacts/:propertyName',
  propertyUpdate: 'PATCH /crm/v3/properties/contacts/:propertyName',
  propertiesBatchCreate: 'POST /crm/v3/properties/contacts/batch/create',
} as const;

/**
 * The stream of `minimumCalls` each counted endpoint belongs to. A read by id (fetchContacts, for
 * webhooks) counts with contacts; tokens belong to none.
 */
const STREAM_OF: Record<string, string> = {
  [SEARCH_ENDPOINT]: 'contacts',
  [ENDPOINTS.batchRead]: 'contacts',
  [EMAIL_EVENTS_ENDPOINT]: 'engagement email',
  [ENDPOINTS.batchReadByEmail]: 'engagement email',
  [WEB_EVENTS_ENDPOINT]: 'engagement web',
  [ENDPOINTS.meetingsSearch]: 'engagement meetings',
  [ENDPOINTS.batchUpdate]: 'write_back',
  [ENDPOINTS.properties]: 'schema',
  [ENDPOINTS.property]: 'schema',
  [ENDPOINTS.propertyUpdate]: 'schema',
  [ENDPOINTS.propertiesBatchCreate]: 'schema',
  [COMPANY_ENDPOINTS.associations]: 'companies',
  [COMPANY_ENDPOINTS.companies]: 'companies',
};

export function hubspotStreamOf(endpoint: string): string | undefined {
  return STREAM_OF[endpoint];
}

interface BatchObject {
  id: string;
  properties: Record<string, string | null>;
}
interface BatchResponse {
  status?: string;
  results: BatchObject[];
  numErrors?: number;
  errors?: { status?: string; category: string; message: string; context?: Record<string, string[]> }[];
}
interface PropertyDefinition {
  name: string;
  options?: { value: string; label: string; hidden?: boolean }[];
}

export interface HubspotConnectorOptions extends HubspotApiOptions {
  app: () => AppCredentials;
  mapping?: HubspotMapping;
}

export class HubspotSourceConnector implements SourceConnector {
  readonly vendor = 'hubspot' as const;
  readonly streamOf = hubspotStreamOf;
  private readonly api: HubspotApi;
  private readonly config: HubspotConfig;
  private readonly mapping: HubspotMapping;
  private modelStages: string[] = [];
  /** Values the exact-stage property accepts, once ensureSchema has looked (unknown before). */
  private stageValues = new Set<string>();
  private stages: StageMap | undefined;
  /** The model rolls contacts up to accounts: each contact's company is read with it. */
  private withCompanies = false;
  /** Email -> contact id from the contacts seen last, so email events rarely need a lookup. */
  private readonly emailIds = new EmailIds(EMAIL_IDS_KEPT);
  /**
   * Settles when the contact walk under way ends. The pipeline pulls contacts and engagement at
   * once: email events wait for the walk, which teaches `emailIds` its addresses, rather than
   * spending batch reads on addresses the walk is about to bring.
   */
  private walking: Promise<void> | null = null;
  private readonly ctx: ConnectorContext;

  constructor(ctx: ConnectorContext, options: HubspotConnectorOptions) {
    this.ctx = ctx;
    this.config = parseHubspotConfig(ctx.connection.config);
    this.mapping =
      options.mapping ??
      (ctx.mappingText !== undefined
        ? parseHubspotMapping(ctx.mappingText, 'the workspace HubSpot mapping')
        : loadHubspotMapping(this.config.mappingPath));
    this.api = new HubspotApi(ctx, new TokenProvider(ctx, options.app), options);
  }

  private now(): number {
    return (this.ctx.now?.() ?? new Date()).getTime();
  }

  // ---- contacts -------------------------------------------------------------------------------

  async *pullContacts(since: Cursor | null): AsyncIterable<Page<Contact>> {
    let ended!: () => void;
    this.walking = new Promise((resolve) => (ended = resolve));
    try {
      yield* this.walkContacts(since);
    } finally {
      ended();
      this.walking = null;
    }
  }

  private async *walkContacts(since: Cursor | null): AsyncIterable<Page<Contact>> {
    const stages = await this.stageMap();
    // Everything modified before the search index's lag ahead of this moment is visible to this walk.
    const settled = this.now() - this.config.searchOverlapMs;
    const prevTs = typeof since?.lastModified === 'number' ? since.lastModified : null;
    let cursorTs = prevTs;
    let cursorId = typeof since?.lastId === 'string' ? since.lastId : null;
    const fromMs = prevTs === null ? 0 : Math.max(0, prevTs - this.config.searchOverlapMs);
    for await (const page of walkByDate(this.api, {
      dateProperty: 'lastmodifieddate',
      properties: contactPropertyNames(this.mapping),
      fromMs,
    })) {
      if (page.lastTs !== null && (cursorTs === null || page.lastTs >= cursorTs)) {
        cursorTs = page.lastTs;
        cursorId = page.lastId;
      }
      const companies = await this.companies(page.records.map((r) => r.id));
      yield {
        records: page.records.map((r) => this.toContact(r, stages, companies.get(r.id))),
        cursor: { lastModified: cursorTs, lastId: cursorId },
        ...(page.total !== undefined ? { total: page.total } : {}),
      };
    }
    // A finished walk saw every change up to `settled`, so the watermark moves there even when the
    // newest record is older: the run's own write-back (after this walk) is then read back once, by
    // the next sync, and not on every sync after it while it stays within the overlap of the newest.
    if (cursorTs === null || settled > cursorTs) {
      yield { records: [], cursor: { lastModified: Math.max(0, settled), lastId: null } };
    }
  }

  async fetchContacts(ids: string[]): Promise<Contact[]> {
    const stages = await this.stageMap();
    const unique = [...new Set(ids)];
    const out: Contact[] = [];
    for (let i = 0; i < unique.length; i += BATCH_SIZE) {
      const found = await this.batchRead(unique.slice(i, i + BATCH_SIZE), contactPropertyNames(this.mapping));
      const companies = await this.companies(found.map((r) => r.id));
      out.push(...found.map((r) => this.toContact(r, stages, companies.get(r.id))));
    }
    return out;
  }

  /** Batch read; ids HubSpot does not know come back as 207 errors and are simply left out. */
  private async batchRead(ids: string[], properties: string[], idProperty?: string): Promise<BatchObject[]> {
    const endpoint = idProperty === 'email' ? ENDPOINTS.batchReadByEmail : ENDPOINTS.batchRead;
    const res = await this.api.sdk<BatchResponse>(endpoint, 'api', (client) =>
      client.crm.contacts.batchApi.readWithHttpInfo({
        inputs: ids.map((id) => ({ id })),
        properties,
        propertiesWithHistory: [],
        ...(idProperty ? { idProperty } : {}),
      }),
    );
    return res.data.results;
  }

  private async companies(contactIds: string[]): Promise<Map<string, Properties>> {
    if (!this.withCompanies || contactIds.length === 0) return new Map<string, Properties>();
    return companiesOf(this.api, contactIds);
  }

  private toContact(r: BatchObject, stages: StageMap, company?: Properties): Contact {
    const properties: Contact['properties'] = {};
    for (const [canonical, m] of Object.entries(this.mapping.contactProperties)) {
      properties[canonical] = convertValue(r.properties[m.property], m.type);
    }
    // The associated company's fields (and its name over the contact's free-text `company`).
    if (company) Object.assign(properties, company);
    const ts = parseHubspotTime(r.properties.lastmodifieddate);
    const stage = stages.stageKey(r.properties.lifecyclestage, r.properties[this.mapping.writeBack.stage]);
    const email = r.properties.email?.toLowerCase();
    if (email) this.emailIds.set(email, r.id);
    const mergedIds = (r.properties.hs_merged_object_ids ?? '')
      .split(';')
      .map((id) => id.trim())
      .filter((id) => id !== '' && id !== r.id);
    return {
      id: r.id,
      properties,
      updatedAt: new Date(ts ?? this.now()).toISOString(),
      ...(stage ? { stage } : {}),
      ...(mergedIds.length ? { mergedIds } : {}),
    };
  }

  // ---- engagement -----------------------------------------------------------------------------

  /**
   * One stream per mapped email event type, web event type and the meeting property. Only the
   * streams whose canonical type the model reads are called (`eventTypes`): event detail the model
   * never reads costs vendor calls and nothing else. The others keep their cursors, so a model that
   * starts reading a type later pulls that type's history from its initial window.
   */
  async *pullEngagement(
    since: Cursor | null,
    eventTypes?: readonly string[],
  ): AsyncIterable<Page<EngagementEvent>> {
    const { emailEvents, webEvents, meetingBookedProperty } = readStreams(this.mapping, eventTypes);
    const runStart = this.now();
    const cursor: Cursor = { ...since };
    const startOf = (key: string): number => {
      const prev = since?.[key];
      return typeof prev === 'number'
        ? Math.max(0, prev - this.config.engagementOverlapMs)
        : runStart - this.config.initialEngagementDays * DAY_MS;
    };
    const unknownEmails = new Set<string>();
    const resolveEmails = (emails: string[]) => this.resolveEmails(emails, unknownEmails);

    // Web events and meetings first: by the email events the contact walk has usually ended.
    for (const [eventType, type] of webEvents) {
      const key = `web:${eventType}`;
      yield* this.stream(key, cursor, runStart, () =>
        readWebEvents(this.api, { eventType, type, fromMs: startOf(key), toMs: runStart }),
      );
    }
    if (meetingBookedProperty) {
      yield* this.stream('meeting', cursor, runStart, () =>
        this.readMeetings(meetingBookedProperty, startOf('meeting')),
      );
    }
    for (const [hubspotType, type] of emailEvents) {
      const key = `email:${hubspotType}`;
      yield* this.stream(key, cursor, runStart, () =>
        readEmailEvents(this.api, { hubspotType, type, fromMs: startOf(key), toMs: runStart, resolveEmails }),
      );
    }
  }

  /**
   * One engagement stream. Its cursor moves to `runStart` only with its last page: email events come
   * newest first, so an earlier position would skip older events after a crash. A stream the granted
   * scopes do not cover is skipped with a warning.
   */
  private async *stream(
    key: string,
    cursor: Cursor,
    runStart: number,
    read: () => AsyncIterable<EngagementEvent[]>,
  ): AsyncIterable<Page<EngagementEvent>> {
    try {
      for await (const records of read()) yield { records, cursor: { ...cursor } };
    } catch (err) {
      if (err instanceof AuthError && err.code === 'forbidden') {
        this.ctx.log.warn('hubspot engagement stream skipped: scope not granted', { stream: key });
        return;
      }
      // An engagement stream is optional: one that is gone (404) or still failing after its
      // retries (5xx, network) is skipped with a warning and re-read from its old cursor next time.
      const gone = err instanceof HubspotApiError && err.status === 404;
      if (gone || err instanceof TransientError) {
        const message = err instanceof Error ? err.message : String(err);
        this.ctx.log.warn('hubspot engagement stream skipped', { stream: key, error: message });
        this.ctx.warn?.({ vendor: 'hubspot', stream: `engagement ${key}`, message });
        return;
      }
      throw err;
    }
    cursor[key] = runStart;
    yield { records: [], cursor: { ...cursor } };
  }

  private async *readMeetings(property: string, fromMs: number): AsyncIterable<EngagementEvent[]> {
    for await (const page of walkByDate(this.api, {
      dateProperty: property,
      properties: [property],
      fromMs,
      endpoint: ENDPOINTS.meetingsSearch,
    })) {
      const events: EngagementEvent[] = [];
      for (const r of page.records) {
        const at = parseHubspotTime(r.properties[property]);
        if (at === null) continue;
        events.push({
          id: `hubspot:meeting_booked:${r.id}:${at}`,
          contactId: r.id,
          type: 'meeting_booked',
          at: new Date(at).toISOString(),
          properties: {},
        });
      }
      yield events;
    }
  }

  /**
   * Email events name a recipient address. Contacts already seen answer most of them; the rest come
   * from a batch read by email. Addresses without a contact are remembered for this pull only.
   */
  private async resolveEmails(emails: string[], unknown: Set<string>): Promise<Map<string, string>> {
    if (this.walking) await this.walking;
    const wanted = [...new Set(emails.map((e) => e.toLowerCase()))].filter(
      (e) => !this.emailIds.has(e) && !unknown.has(e),
    );
    for (let i = 0; i < wanted.length; i += BATCH_SIZE) {
      const chunk = wanted.slice(i, i + BATCH_SIZE);
      for (const e of chunk) unknown.add(e);
      for (const r of await this.batchRead(chunk, ['email'], 'email')) {
        const email = r.properties.email?.toLowerCase();
        if (!email) continue;
        this.emailIds.set(email, r.id);
        unknown.delete(email);
      }
    }
    const out = new Map<string, string>();
    for (const e of emails) {
      const id = this.emailIds.get(e.toLowerCase());
      if (id) out.set(e, id);
    }
    return out;
  }

  // ---- schema and stages ----------------------------------------------------------------------

  private async lifecycleOptions(): Promise<LifecycleOption[]> {
    const res = await this.api.sdk<PropertyDefinition>(ENDPOINTS.property, 'api', (client) =>
      client.crm.properties.coreApi.getByNameWithHttpInfo('contacts', 'lifecyclestage'),
    );
    return optionsOf(res.data);
  }

  private async stageMap(): Promise<StageMap> {
    this.stages ??= new StageMap(this.mapping, await this.lifecycleOptions(), this.modelStages);
    return this.stages;
  }

  /**
   * Searches of 200 in windows of 10,000 (searchCallsAtLeast), each engagement stream the model reads at least a
   * page at its page size, batch updates of 100 (recycled moves twice), and the properties read of
   * ensureSchema.
   */
  minimumCalls(work: ApiWork): MinimumCalls {
    const { emailEvents, webEvents, meetingBookedProperty } = readStreams(this.mapping, work.eventTypes);
    const types = (streams: [string, string][]) => streams.map(([, type]) => type);
    const out: MinimumCalls = {
      contacts: searchCallsAtLeast(work.contacts),
      write_back: Math.ceil(work.writtenBack / BATCH_SIZE) + Math.ceil(work.recycled / BATCH_SIZE),
      schema: 1,
    };
    // A stream the model does not read is not read at all: no call to count.
    if (emailEvents.length) {
      out['engagement email'] = streamPages(types(emailEvents), work.eventsByType, EMAIL_EVENTS_PAGE_SIZE);
    }
    if (webEvents.length) {
      out['engagement web'] = streamPages(types(webEvents), work.eventsByType, WEB_EVENTS_PAGE_SIZE);
    }
    if (meetingBookedProperty) {
      out['engagement meetings'] = readPages(work.eventsByType.meeting_booked ?? 0, SEARCH_PAGE_SIZE);
    }
    // With accounts, one association read per search page (the companies' reads are not counted).
    if (this.withCompanies && work.contacts > 0) out.companies = Math.ceil(work.contacts / ASSOCIATION_BATCH);
    return out;
  }

  /** Every contact property's internal name in the portal (the doctor checks the mapping with it). */
  async fieldNames(): Promise<string[]> {
    const res = await this.api.sdk<{ results: PropertyDefinition[] }>(ENDPOINTS.properties, 'api', (client) =>
      client.crm.properties.coreApi.getAllWithHttpInfo('contacts'),
    );
    return res.data.results.map((p) => p.name);
  }

  async ensureSchema(spec: SchemaSpec): Promise<void> {
    this.modelStages = spec.stages.map((s) => s.key);
    this.withCompanies = (spec.accountDimensions?.length ?? 0) > 0;
    const res = await this.api.sdk<{ results: PropertyDefinition[] }>(ENDPOINTS.properties, 'api', (client) =>
      client.crm.properties.coreApi.getAllWithHttpInfo('contacts'),
    );
    const existing = new Map(res.data.results.map((p) => [p.name, p]));
    this.stages = new StageMap(this.mapping, optionsOf(existing.get('lifecyclestage')), this.modelStages);
    if (this.stages.unmappedModelStages.length > 0) {
      this.ctx.log.info('hubspot has no lifecycle stage for some model stages: they take a lower one', {
        stages: this.stages.unmappedModelStages,
      });
    }

    const wb = this.mapping.writeBack;
    const stageOptions = this.stagePropertyOptions(spec, existing.get(wb.stage));
    const wanted: Record<string, unknown>[] = [
      ...[...spec.dimensions, 'total'].map((d) => ({
        name: scorePropertyName(this.mapping, d),
        label: `leadstage score: ${d}`,
        type: 'number',
        fieldType: 'number',
      })),
      { name: wb.reason, label: 'leadstage stage reason', type: 'string', fieldType: 'textarea' },
      { name: wb.modelVersion, label: 'leadstage model version', type: 'string', fieldType: 'text' },
      ...(stageOptions.length > 0
        ? [{ name: wb.stage, label: 'leadstage stage', type: 'enumeration', fieldType: 'select' }]
        : []),
    ].filter((p) => !existing.has(String(p.name)));
    if (stageOptions.length > 0 && existing.has(wb.stage) && !spec.learnOnly) {
      await this.api.sdk(ENDPOINTS.propertyUpdate, 'api', (client) =>
        client.crm.properties.coreApi.updateWithHttpInfo('contacts', wb.stage, { options: stageOptions }),
      );
    }
    this.stageValues = new Set([
      ...(existing.get(wb.stage)?.options ?? []).map((o) => o.value),
      ...stageOptions.map((o) => o.value),
    ]);
    if (wanted.length === 0 || spec.learnOnly) return;

    const inputs = wanted.map((p) => ({
      ...p,
      ...(p.name === wb.stage ? { options: stageOptions } : {}),
      groupName: wb.groupName,
      description: 'Written by leadstage; edits are overwritten on the next sync.',
    }));
    const created = await this.api.sdk(ENDPOINTS.propertiesBatchCreate, 'api', (client) =>
      // `type`/`fieldType` are SDK enums whose values are these strings.
      client.crm.properties.batchApi.createWithHttpInfo('contacts', { inputs } as never),
    );
    const errors = 'errors' in created.data ? (created.data.errors ?? []) : [];
    const realErrors = errors.filter((e) => e.category !== 'OBJECT_ALREADY_EXISTS');
    if (realErrors.length > 0) {
      throw new HubspotApiError(ENDPOINTS.propertiesBatchCreate, created.status, realErrors[0]);
    }
    this.ctx.log.info('hubspot properties created', { properties: wanted.map((p) => p.name) });
  }

  /**
   * The options the exact-stage enumeration needs, or none when it already has them: the model's
   * stages added to what it holds (earlier models' options stay, so values written remain valid).
   */
  private stagePropertyOptions(
    spec: SchemaSpec,
    current: PropertyDefinition | undefined,
  ): { value: string; label: string; hidden: boolean; displayOrder: number }[] {
    const options = new Map((current?.options ?? []).map((o) => [o.value, { ...o }]));
    let changed = false;
    for (const s of spec.stages) {
      const had = options.get(s.key);
      if (had?.label === s.label && !had.hidden) continue;
      options.set(s.key, { value: s.key, label: s.label, hidden: false });
      changed = true;
    }
    if (!changed) return [];
    return [...options.values()].map((o, displayOrder) => ({
      value: o.value,
      label: o.label,
      hidden: o.hidden ?? false,
      displayOrder,
    }));
  }

  // ---- write-back -----------------------------------------------------------------------------

  async writeBack(changes: StageChange[]): Promise<WriteResult> {
    const result: WriteResult = { ok: [], failed: [] };
    if (changes.length === 0) return result;
    const stages = await this.stageMap();

    const writable: { change: StageChange; properties: Record<string, string> }[] = [];
    for (const change of changes) {
      const lifecycle = stages.lifecycleValue(change.stage);
      if (lifecycle === undefined) {
        result.failed.push({
          id: change.contactId,
          code: 'unmapped_stage',
          message: `stage "${change.stage}" has no HubSpot lifecycle stage; map it in mappings/hubspot.yaml`,
          retryable: false,
          fields: ['lifecyclestage'],
        });
        continue;
      }
      writable.push({ change, properties: this.writeProperties(change, lifecycle) });
    }

    // HubSpot ignores a lifecycle stage moving backwards unless it is cleared first, in a request of
    // its own: batch inputs are not guaranteed to be applied in order.
    const recycled = writable.filter((w) => w.change.recycled);
    const cleared = new Set<string>();
    if (recycled.length > 0) {
      const clearResult = await this.batchUpdate(
        recycled.map((w) => ({ id: w.change.contactId, properties: { lifecyclestage: '' } })),
      );
      for (const id of clearResult.ok) cleared.add(id);
      result.failed.push(...clearResult.failed);
    }
    const second = writable.filter((w) => !w.change.recycled || cleared.has(w.change.contactId));
    // Only a recycled move must land: HubSpot keeps a later lifecycle stage on any other write, by
    // design, and the model's exact stage is in the stage property either way.
    const written = await this.batchUpdate(
      second.map((w) => ({ id: w.change.contactId, properties: w.properties })),
      new Map(
        second
          .filter((w) => w.change.recycled)
          .map((w) => [w.change.contactId, w.properties.lifecyclestage ?? '']),
      ),
    );
    result.ok.push(...written.ok);
    result.failed.push(...written.failed);
    return result;
  }

  private writeProperties(change: StageChange, lifecycle: string): Record<string, string> {
    const wb = this.mapping.writeBack;
    const properties: Record<string, string> = {
      lifecyclestage: lifecycle,
      // Only where the property holds the stage: HubSpot refuses unknown properties and options.
      ...(this.stageValues.has(change.stage) ? { [wb.stage]: change.stage } : {}),
      [wb.reason]: change.summary.slice(0, 65_000),
      [wb.modelVersion]: change.modelVersion,
    };
    for (const [dimension, score] of Object.entries(change.scores)) {
      properties[scorePropertyName(this.mapping, dimension)] = String(Math.round(score * 100) / 100);
    }
    return properties;
  }

  /**
   * Batch updates in chunks of 100. A 207 names the failed ids per error; a 400 refuses the whole
   * chunk, which is then split in halves until the refused records are isolated.
   */
  private async batchUpdate(
    inputs: { id: string; properties: Record<string, string> }[],
    expectedStage?: Map<string, string>,
  ): Promise<WriteResult> {
    const result: WriteResult = { ok: [], failed: [] };
    const queue: (typeof inputs)[] = [];
    for (let i = 0; i < inputs.length; i += BATCH_SIZE) queue.push(inputs.slice(i, i + BATCH_SIZE));
    while (queue.length > 0) {
      const chunk = queue.shift()!;
      let data: BatchResponse;
      try {
        data = (
          await this.api.sdk<BatchResponse>(ENDPOINTS.batchUpdate, 'api', (client) =>
            client.crm.contacts.batchApi.updateWithHttpInfo({ inputs: chunk }),
          )
        ).data;
      } catch (err) {
        if (!(err instanceof HubspotApiError) || err.status !== 400) throw err;
        if (chunk.length > 1) {
          const half = Math.ceil(chunk.length / 2);
          queue.unshift(chunk.slice(0, half), chunk.slice(half));
          continue;
        }
        result.failed.push(
          recordFailure(chunk[0]!.id, err.category ?? 'VALIDATION_ERROR', errorMessage(err.body)),
        );
        continue;
      }
      const failedIds = new Set<string>();
      for (const e of data.errors ?? []) {
        for (const id of e.context?.ids ?? []) {
          failedIds.add(id);
          result.failed.push(recordFailure(id, e.category, e.message));
        }
      }
      const returned = new Map(data.results.map((r) => [r.id, r]));
      for (const input of chunk) {
        if (failedIds.has(input.id)) continue;
        const want = expectedStage?.get(input.id);
        const got = returned.get(input.id)?.properties.lifecyclestage;
        if (want !== undefined && got !== undefined && got !== want) {
          result.failed.push({
            id: input.id,
            code: 'lifecycle_not_applied',
            message: `HubSpot kept lifecycle stage "${got ?? ''}" instead of "${want}" (a backward move needs a recycle rule)`,
            retryable: false,
            fields: ['lifecyclestage'],
          });
          continue;
        }
        result.ok.push(input.id);
      }
    }
    return result;
  }
}

function recordFailure(id: string, category: string, message: string): RecordFailure {
  return {
    id,
    code: category.toLowerCase(),
    message,
    // Anything but a refusal of the values themselves may pass on a later run.
    retryable: !['VALIDATION_ERROR', 'OBJECT_NOT_FOUND'].includes(category),
  };
}

/**
 * The engagement streams to read: the mapped ones whose canonical type is in `eventTypes` (all of
 * them when it is absent). `meetingBookedProperty` is '' when the model reads no `meeting_booked`.
 */
export function readStreams(
  mapping: HubspotMapping,
  eventTypes: readonly string[] | undefined,
): { emailEvents: [string, string][]; webEvents: [string, string][]; meetingBookedProperty: string } {
  const read = (type: string) => eventTypes === undefined || eventTypes.includes(type);
  const { emailEvents, webEvents, meetingBookedProperty } = mapping.engagement;
  return {
    emailEvents: Object.entries(emailEvents).filter(([, type]) => read(type)),
    webEvents: Object.entries(webEvents).filter(([, type]) => read(type)),
    meetingBookedProperty: read('meeting_booked') ? meetingBookedProperty : '',
  };
}

function optionsOf(p: PropertyDefinition | undefined): LifecycleOption[] {
  return (p?.options ?? []).filter((o) => !o.hidden).map((o) => ({ value: o.value, label: o.label }));
}

/**
 * The fewest searches that walk `contacts` records (search.ts): pages of 200, and a query reads at
 * most 10,000 results, so the walk restarts from the last timestamp it saw, which reads that
 * record again. The first window yields at most 10,000 new records and each later one at most
 * 9,999, and every restart is one more record read: at 100,000 contacts, 10 restarts and 501 pages
 * (not one more page per window: a restart costs a page only when its extra reads cross one).
 */
export function searchCallsAtLeast(contacts: number): number {
  const restarts =
    contacts > SEARCH_RESULT_CAP ? Math.ceil((contacts - SEARCH_RESULT_CAP) / (SEARCH_RESULT_CAP - 1)) : 0;
  return readPages(contacts + restarts, SEARCH_PAGE_SIZE);
}
