/**
 * The sandbox org's data: records of four objects, written with Salesforce's validation and its
 * per-record error codes, read through SOQL. Modification stamps are strictly increasing even
 * under a frozen test clock, so keyset paging on (LastModifiedDate, Id) sees every change.
 */
import {
  CONVERTED_STATUS,
  defaultSchema,
  type FieldDef,
  OPPORTUNITY_STAGES,
  SOBJECT_TYPES,
  type SObjectType,
} from './schema.ts';
import {
  type AssignmentRule,
  type AutoAssign,
  defaultAssignmentRules,
  isQueue,
  isUser,
  ownerByRule,
  SANDBOX_USERS,
} from './assignment.ts';
import { idGenerator, KEY_PREFIX, to18 } from './ids.ts';
import { OrderLog } from './order-log.ts';
import { equalityTerm, lowerBound, takeInOrder } from './plan.ts';
import {
  type FieldKind,
  fieldsOf,
  parseDateTime,
  parseSoql,
  run,
  scalarText,
  SoqlError,
  type SoqlQuery,
} from './soql.ts';

export type SfValue = string | number | boolean | null;
export type SfRecord = Record<string, SfValue>;

export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
  /** Ids of the records an external id matched when it matched several (upsert only). */
  matches?: string[];
}

/** An error that fails the whole request: answered as `[{message, errorCode}]` with `status`. */
export class ApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly fields: string[];
  constructor(status: number, errorCode: string, message: string, fields: string[] = []) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
  }
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const DAY = 86_400_000;

/** Salesforce's datetime format: `2024-01-15T10:20:30.000+0000`. */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function isRecordError(v: unknown): v is RecordError {
  return typeof v === 'object' && v !== null && 'statusCode' in v;
}

export class SandboxOrg {
  schema: Record<SObjectType, FieldDef[]> = defaultSchema();
  records: Record<SObjectType, Map<string, SfRecord>> = emptyRecords();
  /** Fault injection: writes of these external id values fail with the given error. */
  readonly rejections = new Map<string, RecordError>();
  /** Deleted records (Salesforce's recycle bin): gone from queries and reads, kept for tests. */
  readonly recycleBin: { type: SObjectType; record: SfRecord }[] = [];
  /** Lead assignment rules (assignment.ts); tests may replace them. */
  assignmentRules: AssignmentRule[] = defaultAssignmentRules();
  private newId = idGenerator();
  private lastStamp = 0;
  /**
   * Lookup indexes, per object and field (the external id and unique fields upserts and the
   * duplicate check ask about): lower-cased value → ids of the records holding it. Built on first
   * use, kept current by every write (`put`), dropped when the schema or data is replaced.
   */
  private indexes = new Map<string, Map<string, Set<string>>>();
  /** Each object's records in (LastModifiedDate, Id) order (order-log.ts), kept by `put`. */
  private modified = emptyLogs();
  /** While an allOrNone call runs: each touched record's state before the call (undefined: absent). */
  private journal: Map<SObjectType, Map<string, SfRecord | undefined>> | null = null;

  private readonly now: () => number;
  constructor(now: () => number) {
    this.now = now;
  }

  reset(): void {
    this.schema = defaultSchema();
    this.records = emptyRecords();
    this.rejections.clear();
    this.recycleBin.length = 0;
    this.assignmentRules = defaultAssignmentRules();
    this.newId = idGenerator();
    this.lastStamp = 0;
    this.indexes.clear();
    this.modified = emptyLogs();
    this.journal = null;
  }

  sobjectType(name: string): SObjectType {
    const type = SOBJECT_TYPES.find((t) => t.toLowerCase() === name.toLowerCase());
    if (!type) {
      throw new ApiError(
        404,
        'NOT_FOUND',
        `The requested resource does not exist: sObject type '${name}' is not supported.`,
      );
    }
    return type;
  }

  field(type: SObjectType, name: string): FieldDef | undefined {
    const lower = name.toLowerCase();
    return this.schema[type].find((f) => f.name.toLowerCase() === lower);
  }

  /** Adds or replaces a field (a test creating what `ensureSchema` asked for). */
  addField(type: SObjectType, def: FieldDef): void {
    this.schema[type] = [...this.schema[type].filter((f) => f.name !== def.name), def];
    this.dropIndexes(type);
  }

  removeField(type: SObjectType, name: string): void {
    this.schema[type] = this.schema[type].filter((f) => f.name !== name);
    for (const r of this.records[type].values()) delete r[name];
    this.dropIndexes(type);
  }

  // -------------------------------------------------------------------------------------------
  // Indexes and the write journal

  private dropIndexes(type: SObjectType): void {
    for (const key of [...this.indexes.keys()]) if (key.startsWith(`${type}.`)) this.indexes.delete(key);
  }

  private index(type: SObjectType, field: string): Map<string, Set<string>> {
    const key = `${type}.${field}`;
    let index = this.indexes.get(key);
    if (!index) {
      index = new Map();
      this.indexes.set(key, index);
      for (const [id, record] of this.records[type]) indexAdd(index, record[field], id);
    }
    return index;
  }

  /**
   * Ids of the records whose `field` equals `value` ignoring case, in creation order (the order a
   * scan of the records would give: ids sort by creation). Each hit is checked against the record,
   * so an entry left behind by a write that bypassed `put` is never answered.
   */
  lookup(type: SObjectType, field: string, value: SfValue | undefined): string[] {
    if (value === null || value === undefined) return [];
    const lower = String(value).toLowerCase();
    const ids = this.index(type, field).get(lower);
    if (!ids) return [];
    return [...ids]
      .filter((id) => String(this.records[type].get(id)?.[field] ?? '').toLowerCase() === lower)
      .sort();
  }

  /** Every write of a record goes through here: journal, indexes, then the record itself. */
  private put(type: SObjectType, id: string, record: SfRecord | undefined): void {
    const before = this.records[type].get(id);
    const touched = this.journal?.get(type);
    if (touched && !touched.has(id)) touched.set(id, before);
    for (const [key, index] of this.indexes) {
      if (!key.startsWith(`${type}.`)) continue;
      const field = key.slice(type.length + 1);
      if (before) indexRemove(index, before[field], id);
      if (record) indexAdd(index, record[field], id);
    }
    if (before) this.modified[type].remove(modKey(before), id);
    if (record) this.modified[type].add(modKey(record), id, record);
    if (record) this.records[type].set(id, record);
    else this.records[type].delete(id);
  }

  /** Removes a record outright (Bulk API hard delete); false when there was none. */
  removeRecord(type: SObjectType, id: string): boolean {
    if (!this.records[type].has(id)) return false;
    this.put(type, id, undefined);
    return true;
  }

  /** Strictly increasing, even when the injected clock stands still. */
  private stamp(): string {
    this.lastStamp = Math.max(this.now(), this.lastStamp + 1);
    return sfDateTime(this.lastStamp);
  }

  /** By the 18-character id or its 15-character form (whose suffix `to18` works out, as Salesforce's does). */
  get(type: SObjectType, id: string): SfRecord | undefined {
    return this.records[type].get(id) ?? (id.length === 15 ? this.records[type].get(to18(id)) : undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  /** Checks a body against the object's fields; unknown fields fail the whole request. */
  private clean(
    type: SObjectType,
    body: Record<string, unknown>,
    op: 'create' | 'update',
  ): SfRecord | RecordError {
    const out: SfRecord = {};
    const readOnly: string[] = [];
    for (const [key, raw] of Object.entries(body)) {
      if (key === 'attributes') continue;
      const def = this.field(type, key);
      if (!def) {
        throw new ApiError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${type}`);
      }
      if (!(op === 'create' ? def.createable : def.updateable)) {
        readOnly.push(def.name);
        continue;
      }
      const value = this.coerce(def, raw);
      if (isRecordError(value)) return value;
      out[def.name] = value;
    }
    if (readOnly.length) {
      return {
        statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        message: `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        fields: readOnly,
      };
    }
    return out;
  }

  private coerce(def: FieldDef, raw: unknown): SfValue | RecordError {
    if (raw === null || raw === undefined || raw === '') return null;
    if (typeof raw === 'object') {
      throw new ApiError(
        400,
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of ${def.type} from START_OBJECT value for ${def.name}`,
      );
    }
    const text = scalarText(raw);
    const notType = (): RecordError => ({
      statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
      message: `${def.label}: value not of required type: ${text}`,
      fields: [def.name],
    });
    switch (def.type) {
      case 'int':
      case 'double':
      case 'currency':
      case 'percent': {
        const n = typeof raw === 'number' ? raw : Number(text.trim());
        if (!Number.isFinite(n) || (def.type === 'int' && !Number.isInteger(n))) return notType();
        return n;
      }
      case 'boolean':
        if (typeof raw === 'boolean') return raw;
        if (raw === 'true' || raw === 'false') return raw === 'true';
        return notType();
      case 'date':
        return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : notType();
      case 'email':
        if (!EMAIL.test(text)) {
          return {
            statusCode: 'INVALID_EMAIL_ADDRESS',
            message: `${def.label}: invalid email address: ${text}`,
            fields: [def.name],
          };
        }
        return text;
      default: {
        const s = text;
        if (def.length && s.length > def.length) {
          return {
            statusCode: 'STRING_TOO_LONG',
            message: `${def.label}: data value too large: ${s.slice(0, 40)} (max length=${def.length})`,
            fields: [def.name],
          };
        }
        if ((def.name === 'Status' || def.name === 'StageName') && !def.picklistValues?.includes(s)) {
          return {
            statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            message: `${def.label}: bad value for restricted picklist field: ${s}`,
            fields: [def.name],
          };
        }
        return s;
      }
    }
  }

  /**
   * Lookups that must name a live record: OwnerId a user (or, on a Lead, a queue), a Task's WhoId a
   * Lead or Contact, a Note's ParentId any record. The error code for a queue on an object queues
   * cannot own is a guess (the sandbox uses the one Salesforce gives an unknown id).
   */
  private checkReferences(type: SObjectType, record: SfRecord): RecordError | null {
    const bad = (field: string): RecordError => ({
      statusCode: 'INVALID_CROSS_REFERENCE_KEY',
      message: `invalid cross reference id`,
      fields: [field],
    });
    const ownerId = record.OwnerId;
    if (typeof ownerId === 'string' && !isUser(ownerId) && !(type === 'Lead' && isQueue(ownerId))) {
      return bad('OwnerId');
    }
    if (type === 'Task' && typeof record.WhoId === 'string') {
      if (!this.get('Lead', record.WhoId) && !this.get('Contact', record.WhoId)) return bad('WhoId');
    }
    if (type === 'Note' && typeof record.ParentId === 'string') {
      if (!SOBJECT_TYPES.some((t) => this.get(t, String(record.ParentId)))) return bad('ParentId');
    }
    return null;
  }

  /** The rule a request runs on a Lead: the active one, a named one (created Leads only), or none. */
  private ruleFor(
    type: SObjectType,
    assign: AutoAssign,
    creating: boolean,
  ): AssignmentRule | RecordError | null {
    if (type !== 'Lead' || assign.kind === 'none') return null;
    if (assign.kind === 'active') return this.assignmentRules.find((r) => r.active) ?? null;
    if (!creating) return null;
    const rule = this.assignmentRules.find((r) => r.id === assign.id || r.id.startsWith(assign.id));
    // Salesforce's answer to an id that names no rule is not documented for REST; a guess.
    return (
      rule ?? {
        statusCode: 'INVALID_ID_FIELD',
        message: `invalid assignment rule id: ${assign.id}`,
        fields: [],
      }
    );
  }

  private checkRecord(type: SObjectType, id: string | null, merged: SfRecord): RecordError | null {
    const missing = this.schema[type]
      .filter((f) => f.required && (merged[f.name] === null || merged[f.name] === undefined))
      .map((f) => f.name);
    if (missing.length) {
      return {
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: `Required fields are missing: [${missing.join(', ')}]`,
        fields: missing,
      };
    }
    for (const f of this.schema[type].filter((d) => d.unique)) {
      const other = this.lookup(type, f.name, merged[f.name]).find((o) => o !== id);
      if (other !== undefined) {
        return {
          statusCode: 'DUPLICATE_VALUE',
          message: `duplicate value found: ${f.name} duplicates value on record with id: ${other}`,
          fields: [],
        };
      }
    }
    const extId = this.schema[type].find((f) => f.externalId)?.name;
    const injected = extId ? this.rejections.get(String(merged[extId] ?? '')) : undefined;
    return injected ?? null;
  }

  /** Derived fields: an Opportunity's IsClosed / IsWon / Probability follow its stage. */
  private derive(type: SObjectType, record: SfRecord): void {
    if (type !== 'Opportunity') return;
    const stage = OPPORTUNITY_STAGES.find((s) => s.name === record.StageName);
    record.IsClosed = stage?.closed ?? false;
    record.IsWon = stage?.won ?? false;
    record.Probability ??= stage?.probability ?? null;
  }

  /**
   * `assign`: what the request's `Sforce-Auto-Assign` header (or Bulk job) asked for; records the
   * sandbox or a test enters directly run no rule. Without an OwnerId the session's user owns it.
   */
  insert(
    type: SObjectType,
    body: Record<string, unknown>,
    system: SfRecord = {},
    assign: AutoAssign = { kind: 'none' },
  ): { id: string } | RecordError {
    const clean = this.clean(type, body, 'create');
    if (isRecordError(clean)) return clean;
    const defaults: SfRecord = {};
    for (const f of this.schema[type]) if (f.defaultValue !== undefined) defaults[f.name] = f.defaultValue;
    if (type === 'Lead') defaults.IsConverted = false;
    if (this.field(type, 'OwnerId')) defaults.OwnerId = SANDBOX_USERS.integration;
    const merged: SfRecord = { ...defaults, ...clean, ...system };
    const problem = this.checkRecord(type, null, merged) ?? this.checkReferences(type, merged);
    if (problem) return problem;
    const rule = this.ruleFor(type, assign, true);
    if (isRecordError(rule)) return rule;
    // An assignment rule runs after the save, so it overrides an OwnerId the request gave.
    if (rule) merged.OwnerId = ownerByRule(rule, merged);
    const id = this.newId(KEY_PREFIX[type]);
    const at = this.stamp();
    const record: SfRecord = {
      ...merged,
      Id: id,
      IsDeleted: false,
      CreatedDate: at,
      LastModifiedDate: at,
      SystemModstamp: at,
    };
    this.derive(type, record);
    this.put(type, id, record);
    return { id };
  }

  update(
    type: SObjectType,
    id: string,
    body: Record<string, unknown>,
    system: SfRecord = {},
    assign: AutoAssign = { kind: 'none' },
  ): RecordError | null {
    const existing = this.get(type, id);
    if (!existing) {
      return { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] };
    }
    if (type === 'Lead' && existing.IsConverted && !system.IsConverted) {
      return {
        statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD',
        message: 'cannot reference converted lead',
        fields: [],
      };
    }
    const clean = this.clean(type, body, 'update');
    if (isRecordError(clean)) return clean;
    const merged: SfRecord = { ...existing, ...clean, ...system };
    const problem = this.checkRecord(type, String(existing.Id), merged) ?? this.checkReferences(type, merged);
    if (problem) return problem;
    const rule = this.ruleFor(type, assign, false);
    if (isRecordError(rule)) return rule;
    // Salesforce runs the active rule on updated Leads too unless the header says FALSE.
    if (rule) merged.OwnerId = ownerByRule(rule, merged);
    const at = this.stamp();
    merged.LastModifiedDate = at;
    merged.SystemModstamp = at;
    this.derive(type, merged);
    this.put(type, String(existing.Id), merged);
    return null;
  }

  /** Deletes a record by id, whatever its type's key prefix says; a second delete finds nothing. */
  delete(id: string): RecordError | null {
    for (const type of SOBJECT_TYPES) {
      const record = this.get(type, id);
      if (!record) continue;
      this.put(type, String(record.Id), undefined);
      this.recycleBin.push({ type, record: { ...record, IsDeleted: true } });
      return null;
    }
    return { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] };
  }

  /** Upsert by external id: insert when no record has the value, update the one that does. */
  upsert(
    type: SObjectType,
    extField: string,
    extValue: string,
    body: Record<string, unknown>,
    assign: AutoAssign = { kind: 'none' },
  ): { id: string; created: boolean } | RecordError {
    const def = this.field(type, extField);
    if (!def || !(def.externalId || def.name === 'Id')) {
      throw new ApiError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${extField}`,
      );
    }
    const matches = this.lookup(type, def.name, extValue);
    if (matches.length > 1) {
      // Nothing is written. The single-record resource answers 300 with the matches (rest.ts);
      // Collections and Bulk give this per-record error. Its code and wording are the SOAP/Apex/Bulk
      // ones seen in vendors' error reports ("DUPLICATE_EXTERNAL_ID … more than one record found for
      // external id field: [id, id]"); the REST guide does not show a Collections example, so for
      // Collections this is a GUESS that it shares the DML layer's error.
      return {
        statusCode: 'DUPLICATE_EXTERNAL_ID',
        message: `${def.label}: more than one record found for external id field: [${matches.join(', ')}]`,
        fields: [],
        matches,
      };
    }
    const fullBody = { ...body, [def.name]: extValue };
    if (matches[0]) {
      const problem = this.update(type, matches[0], fullBody, {}, assign);
      return problem ?? { id: matches[0], created: false };
    }
    const created = this.insert(type, fullBody, {}, assign);
    return isRecordError(created) ? created : { id: created.id, created: true };
  }

  /**
   * Runs `fn` and keeps its writes only if it says so (allOrNone). Writes are journalled (each
   * touched record's state before the call), so a rollback costs what the call wrote, not the org's
   * size, and goes through `put`, which keeps the indexes right. The recycle bin, ids and stamps are
   * not rolled back (as before).
   */
  transaction<T>(fn: () => { result: T; commit: boolean }): T {
    const outer = this.journal;
    const journal = new Map(SOBJECT_TYPES.map((t) => [t, new Map<string, SfRecord | undefined>()]));
    this.journal = journal;
    let out: { result: T; commit: boolean } | undefined;
    try {
      out = fn();
      if (!out.commit) for (const [t, touched] of journal) this.restore(t, touched);
    } finally {
      this.journal = outer;
      // Kept writes (a throw keeps them too, as copying the data did) join an enclosing call's
      // journal, which rolls back to its own start: it keeps the earliest state it saw.
      if (outer && out?.commit !== false) {
        for (const [t, touched] of journal) {
          const into = outer.get(t)!;
          for (const [id, before] of touched) if (!into.has(id)) into.set(id, before);
        }
      }
    }
    return out.result;
  }

  private restore(type: SObjectType, touched: Map<string, SfRecord | undefined>): void {
    let reinserted = false;
    for (const [id, before] of touched) {
      if (before && !this.records[type].has(id)) reinserted = true;
      this.put(type, id, before);
    }
    // A Map lists a re-added key last; records list in creation order, which is id order.
    if (reinserted) {
      this.records[type] = new Map([...this.records[type]].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /**
   * Runs a query: the matching records themselves (not copies), in the query's order, after OFFSET
   * and LIMIT, and the selected fields in their declared spelling, for `project` to cut each page
   * from. Records are never changed in place (every write replaces the record, `put`), so the rows
   * stay as they were when the query ran however long a caller keeps them.
   *
   * Cost: an equality / IN term on a text or id field reads only the records its index names; else
   * a query ordered by Id or CreatedDate (creation order, the order `records` lists) or by
   * LastModifiedDate or SystemModstamp (the modification log, from the WHERE clause's lower bound)
   * reads records in order only until its page is full; anything else filters and sorts the object.
   */
  query(soql: string): { object: SObjectType; fields: string[]; rows: SfRecord[] } {
    const parsed = parseSoql(soql);
    const type = SOBJECT_TYPES.find((t) => t.toLowerCase() === parsed.object.toLowerCase());
    if (!type) {
      throw new SoqlError('INVALID_TYPE', `sObject type '${parsed.object}' is not supported.`);
    }
    const canonical = new Map<string, FieldDef>();
    for (const name of fieldsOf(parsed)) {
      const def = this.field(type, name);
      if (!def) throw new SoqlError('INVALID_FIELD', `No such column '${name}' on entity '${type}'.`);
      canonical.set(name, def);
    }
    const rename = (name: string) => canonical.get(name)?.name ?? name;
    const kindOf = (name: string): FieldKind => {
      const t = this.field(type, name)?.type;
      if (t === 'datetime') return 'datetime';
      if (t === 'date') return 'date';
      if (t === 'id' || t === 'reference') return 'id';
      if (t === 'boolean') return 'boolean';
      if (t === 'int' || t === 'double' || t === 'currency' || t === 'percent') return 'number';
      return 'text';
    };
    const rows = this.evaluate(type, parsed, kindOf) as SfRecord[];
    return { object: type, fields: parsed.fields.map(rename), rows };
  }

  private evaluate(type: SObjectType, query: SoqlQuery, kindOf: (field: string) => FieldKind) {
    const records = this.records[type];
    // A field named in another case than its declared one reads as null (rows are keyed by the
    // declared name), so only declared spellings take the shortcuts below.
    const declared = (name: string) => this.field(type, name)?.name === name;
    const term = equalityTerm(
      query.where,
      (f) => declared(f) && (kindOf(f) === 'text' || kindOf(f) === 'id'),
    );
    if (term) {
      const ids = new Set<string>();
      for (const v of term.values) {
        if (term.field === 'Id') ids.add(v);
        else for (const id of this.lookup(type, term.field, v)) ids.add(id);
      }
      // In creation order, as a scan of `records` would list them before sorting.
      const found = [...ids]
        .sort()
        .map((id) => records.get(id))
        .filter((r) => r !== undefined);
      return run(query, found, kindOf);
    }
    const first = query.orderBy[0];
    if (!first) return takeInOrder(records.values(), query.where, query.offset, query.limit, kindOf);
    // Unique keys (ids; stamps strictly increase, org.ts `stamp`) settle the order alone; every
    // record has them, so NULLS FIRST / LAST changes nothing.
    if (declared(first.field) && (first.field === 'Id' || first.field === 'CreatedDate')) {
      const source = first.desc ? [...records.values()].reverse() : records.values();
      return takeInOrder(source, query.where, query.offset, query.limit, kindOf);
    }
    if (declared(first.field) && (first.field === 'LastModifiedDate' || first.field === 'SystemModstamp')) {
      const log = this.modified[type];
      const from = lowerBound(query.where, first.field);
      // Read to the end (no LIMIT) as an array; up to a LIMIT, only as far as the page.
      const source = first.desc
        ? log.descending()
        : query.limit === null
          ? log.from(from)
          : log.ascending(from);
      return takeInOrder(source, query.where, query.offset, query.limit, kindOf);
    }
    return run(query, [...records.values()], kindOf);
  }

  // -------------------------------------------------------------------------------------------
  // What sales does

  /** Lead conversion: Account (matched by name or new), Contact, optional Opportunity. */
  convertLead(
    leadId: string,
    options: { createOpportunity?: boolean; opportunityName?: string; amount?: number } = {},
  ): { accountId: string; contactId: string; opportunityId: string | null } {
    const lead = this.get('Lead', leadId);
    if (!lead) throw new ApiError(404, 'NOT_FOUND', `no Lead ${leadId}`);
    if (lead.IsConverted) {
      throw new ApiError(400, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
    }
    const company = String(lead.Company ?? '[not provided]');
    // The first Account (in creation order) whose name matches ignoring case.
    const accountId =
      this.lookup('Account', 'Name', company)[0] ??
      this.must(this.insert('Account', { Name: company }), 'Account').id;
    // Custom fields carry over as a configured lead field mapping would carry them.
    const carried: SfRecord = {};
    for (const f of this.schema.Contact) {
      if (f.custom && lead[f.name] !== undefined) carried[f.name] = lead[f.name]!;
    }
    const contactId = this.must(
      this.insert('Contact', {
        AccountId: accountId,
        FirstName: lead.FirstName ?? null,
        LastName: lead.LastName,
        Email: lead.Email ?? null,
        Title: lead.Title ?? null,
        Phone: lead.Phone ?? null,
        MailingCountry: lead.Country ?? null,
        // The Contact keeps the Lead's owner; a queue cannot own a Contact, so the converting user does.
        OwnerId:
          typeof lead.OwnerId === 'string' && isUser(lead.OwnerId) ? lead.OwnerId : SANDBOX_USERS.integration,
        ...carried,
      }),
      'Contact',
    ).id;
    let opportunityId: string | null = null;
    if (options.createOpportunity ?? true) {
      opportunityId = this.must(
        this.insert(
          'Opportunity',
          {
            Name: options.opportunityName ?? `${company}-`,
            AccountId: accountId,
            StageName: 'Prospecting',
            CloseDate: new Date(this.now() + 30 * DAY).toISOString().slice(0, 10),
            ...(options.amount !== undefined ? { Amount: options.amount } : {}),
          },
          { ContactId: contactId },
        ),
        'Opportunity',
      ).id;
    }
    const problem = this.update(
      'Lead',
      String(lead.Id),
      { Status: CONVERTED_STATUS },
      {
        IsConverted: true,
        ConvertedDate: new Date(this.now()).toISOString().slice(0, 10),
        ConvertedAccountId: accountId,
        ConvertedContactId: contactId,
        ConvertedOpportunityId: opportunityId,
      },
    );
    if (problem) throw new ApiError(400, problem.statusCode, problem.message);
    // Conversion moves the Lead's Tasks and Notes to the Contact it became.
    // A new record rather than an edit in place: a query's kept rows stay as they were (`query`).
    for (const id of this.lookup('Task', 'WhoId', lead.Id ?? null)) {
      const task = this.records.Task.get(id)!;
      if (task.WhoId === lead.Id) this.put('Task', id, { ...task, WhoId: contactId });
    }
    for (const id of this.lookup('Note', 'ParentId', lead.Id ?? null)) {
      const note = this.records.Note.get(id)!;
      if (note.ParentId === lead.Id) this.put('Note', id, { ...note, ParentId: contactId });
    }
    return { accountId, contactId, opportunityId };
  }

  must<T>(result: T | RecordError, what: string): T {
    if (isRecordError(result)) {
      throw new ApiError(400, result.statusCode, `${what}: ${result.message}`, result.fields);
    }
    return result;
  }
}

/** A record's place in the modification log; one without a stamp (none is) sorts first, as null does. */
function modKey(record: SfRecord): number {
  const at = parseDateTime(String(record.LastModifiedDate ?? ''));
  return Number.isFinite(at) ? at : -Infinity;
}

function emptyLogs(): Record<SObjectType, OrderLog<SfRecord>> {
  return {
    Lead: new OrderLog<SfRecord>(),
    Contact: new OrderLog<SfRecord>(),
    Account: new OrderLog<SfRecord>(),
    Opportunity: new OrderLog<SfRecord>(),
    Task: new OrderLog<SfRecord>(),
    Note: new OrderLog<SfRecord>(),
  };
}

/** A query's selected fields of one row, in the order the query names them. */
export function project(row: SfRecord, fields: string[]): SfRecord {
  return Object.fromEntries(fields.map((f) => [f, row[f] ?? null]));
}

function emptyRecords(): Record<SObjectType, Map<string, SfRecord>> {
  return {
    Lead: new Map(),
    Contact: new Map(),
    Account: new Map(),
    Opportunity: new Map(),
    Task: new Map(),
    Note: new Map(),
  };
}

function indexAdd(index: Map<string, Set<string>>, value: SfValue | undefined, id: string): void {
  if (value === null || value === undefined) return;
  const lower = String(value).toLowerCase();
  const ids = index.get(lower);
  if (ids) ids.add(id);
  else index.set(lower, new Set([id]));
}

function indexRemove(index: Map<string, Set<string>>, value: SfValue | undefined, id: string): void {
  if (value === null || value === undefined) return;
  const lower = String(value).toLowerCase();
  const ids = index.get(lower);
  if (!ids) return;
  ids.delete(id);
  if (!ids.size) index.delete(lower);
}
