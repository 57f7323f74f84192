/**
 * Contact handoff: the Account each Contact is filed under (its AccountId), and the account score
 * that Account carries.
 *
 * A record with a leadstage account (models with `accounts`) is filed under the Account whose
 * account external id field (`Leadstage_Account_Id__c`) holds the account's source-namespaced id, so
 * one account is one Account whatever company text its contacts typed. An Account without that id,
 * whose name equals the account's name or one of its contacts' company texts, is adopted once (given
 * the id) rather than duplicated; an Account that carries another account's id is never taken.
 * Missing Accounts are upserted by the id, so a concurrent creation updates rather than duplicates.
 *
 * A record without an account, or an org whose Account lacks the field, falls back to the Account
 * whose match field equals the contact's company text (the oldest of several).
 */
import type { Logger } from '../../src/log.ts';
import type { HandoffRecord } from '../../src/model.ts';
import type { SalesforceClient } from './client.ts';
import { COLLECTION_CHUNK, type SalesforceConfig } from './config.ts';
import { type SalesforceMapping, type SalesforceValue, scoreField } from './mapping.ts';
import { parseResults, type Row } from './results.ts';
import type { ObjectSchemas } from './schema.ts';
import { chunk, soqlList } from './soql.ts';
import { type UpdateById, updateById } from './update-by-id.ts';

/** Values per `IN (…)` query: keeps each SOQL statement well under its length cap. */
const IN_LIST = 100;

export interface AccountFiler {
  client: SalesforceClient;
  schemas: ObjectSchemas;
  mapping: SalesforceMapping;
  config: SalesforceConfig;
  log: Logger;
  query(soql: string, object: string): Promise<Record<string, unknown>[]>;
  /** Reports a field the org lacks, once per field. */
  warnOnce(field: string): void;
}

/** One leadstage account among the records, with the company texts its contacts typed. */
interface Wanted {
  externalId: string;
  id: string;
  name: string;
  scores: Record<string, number>;
  /** In the order first seen (a Set: no quadratic scan on a large batch). */
  texts: Set<string>;
}

const lower = (s: string) => s.toLowerCase();

/** Sets `AccountId` on each row whose Account is found, adopted or created; writes account scores. */
export async function fileUnderAccounts(
  f: AccountFiler,
  rows: Row[],
  records: HandoffRecord[],
): Promise<void> {
  const { from, externalIdField } = f.mapping.account;
  const textOf = (r: HandoffRecord) => {
    const v = r.properties[from];
    return v === null || v === undefined ? '' : String(v).trim();
  };
  const accountFields = await f.schemas.fields('Account');
  const keyed = accountFields.has(externalIdField);
  const byId: number[] = [];
  const byName: number[] = [];
  records.forEach((r, i) => (r.account && keyed ? byId : byName).push(i));
  // Without the field, accounts fall back to names (`salesforce check` names the field to create).
  if (!keyed && records.some((r) => r.account)) f.warnOnce(`Account.${externalIdField}`);

  const wanted = new Map<string, Wanted>();
  for (const i of byId) {
    const r = records[i]!;
    const a = r.account!;
    const key = lower(a.externalId);
    const entry = wanted.get(key) ?? { ...a, texts: new Set<string>() };
    // The last record's scores win: records of one account all carry the same roll-up.
    entry.scores = a.scores;
    const text = textOf(r);
    if (text) entry.texts.add(text);
    wanted.set(key, entry);
  }
  const accountIds = await accountsById(f, [...wanted.values()]);
  rowsOf(byId).forEach(({ row, record }) => {
    const id = accountIds.get(lower(record.account!.externalId));
    if (id) row.fields.AccountId = id;
  });

  const names = await accountsByName(f, [...new Set(byName.map((i) => textOf(records[i]!)).filter(Boolean))]);
  const scored = new Map<string, UpdateById>();
  rowsOf(byName).forEach(({ row, record }) => {
    const accountId = names.get(lower(textOf(record)));
    if (!accountId) return;
    row.fields.AccountId = accountId;
    const account = record.account;
    if (account) {
      scored.set(accountId, { key: account.id, id: accountId, fields: scoreFields(f, account.scores) });
    }
  });
  await writeUpdates(f, [...scored.values()], 'salesforce account score not written');

  function rowsOf(indexes: number[]) {
    return indexes.map((i) => ({ row: rows[i]!, record: records[i]! }));
  }
}

/** Each account dimension in its score field (as on Leads and Contacts). */
function scoreFields(f: AccountFiler, scores: Record<string, number>): Record<string, SalesforceValue> {
  const out: Record<string, SalesforceValue> = {};
  for (const [dimension, value] of Object.entries(scores)) out[scoreField(f.mapping, dimension)] = value;
  return out;
}

/** The fields the org's Account has; a missing one is reported once, never fatal. */
async function keepExisting(
  f: AccountFiler,
  fields: Record<string, SalesforceValue>,
): Promise<Record<string, SalesforceValue>> {
  const have = await f.schemas.fields('Account');
  const kept: Record<string, SalesforceValue> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (have.has(name)) kept[name] = value;
    else f.warnOnce(`Account.${name}`);
  }
  return kept;
}

/** Updates by Id; returns the keys of the updates Salesforce refused (each a warning). */
async function writeUpdates(f: AccountFiler, updates: UpdateById[], warning: string): Promise<Set<string>> {
  const writable: UpdateById[] = [];
  for (const u of updates) {
    const fields = await keepExisting(f, u.fields);
    if (Object.keys(fields).length) writable.push({ ...u, fields });
  }
  const failedKeys = new Set<string>();
  if (!writable.length) return failedKeys;
  const { failed } = await updateById(f.client, 'Account', writable);
  for (const fail of failed) {
    failedKeys.add(fail.id);
    f.log.warn(warning, { code: fail.code });
  }
  return failedKeys;
}

/**
 * Account ids by lower-cased account external id: found by the id, else adopted by name, else
 * created (when the connection creates missing Accounts). Every one found or adopted gets the scores.
 */
async function accountsById(f: AccountFiler, wanted: Wanted[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (!wanted.length) return ids;
  const { matchField, externalIdField: ext } = f.mapping.account;
  for (const part of chunk(
    wanted.map((w) => w.externalId),
    IN_LIST,
  )) {
    const soql = `SELECT Id, ${ext} FROM Account WHERE ${ext} IN ${soqlList(part)} ORDER BY CreatedDate, Id`;
    for (const acc of await f.query(soql, 'Account')) {
      const key = lower(String(acc[ext]));
      // A field not marked Unique may hold one id twice (`salesforce check` says so): the oldest wins.
      if (!ids.has(key)) ids.set(key, String(acc.Id));
    }
  }
  const updates: UpdateById[] = wanted
    .filter((w) => ids.has(lower(w.externalId)))
    .map((w) => ({ key: w.id, id: ids.get(lower(w.externalId))!, fields: scoreFields(f, w.scores) }));

  const unkeyed = wanted.filter((w) => !ids.has(lower(w.externalId)));
  const candidates = (w: Wanted) => [...new Set([w.name, ...w.texts].filter(Boolean).map(lower))];
  const free = new Map<string, string[]>();
  for (const part of chunk([...new Set(unkeyed.flatMap(candidates))], IN_LIST)) {
    const soql =
      `SELECT Id, ${matchField}, ${ext} FROM Account WHERE ${matchField} IN ${soqlList(part)} ` +
      'ORDER BY CreatedDate, Id';
    for (const acc of await f.query(soql, 'Account')) {
      const value = acc[matchField];
      // Only an Account no account owns yet may be adopted.
      if (typeof value !== 'string' || (typeof acc[ext] === 'string' && acc[ext] !== '')) continue;
      const same = free.get(lower(value)) ?? [];
      same.push(String(acc.Id));
      free.set(lower(value), same);
    }
  }
  const taken = new Set<string>();
  const adopted = new Map<string, string>();
  const create: Wanted[] = [];
  for (const w of unkeyed) {
    const id = candidates(w)
      .flatMap((n) => free.get(n) ?? [])
      .find((candidate) => !taken.has(candidate));
    if (!id) {
      create.push(w);
      continue;
    }
    taken.add(id);
    adopted.set(w.id, lower(w.externalId));
    ids.set(lower(w.externalId), id);
    updates.push({ key: w.id, id, fields: { [ext]: w.externalId, ...scoreFields(f, w.scores) } });
  }
  const failed = await writeUpdates(f, updates, 'salesforce account not updated');
  // An adoption Salesforce refused (another process keyed the Account meanwhile) files nothing.
  for (const key of failed) {
    const ext = adopted.get(key);
    if (ext) ids.delete(ext);
  }
  if (create.length && f.config.createMissingAccounts) await createAccounts(f, create, ids);
  return ids;
}

/** The Name a new Account gets: the company's, or for an email domain a contact's company text. */
function newName(w: Wanted): string {
  return w.id.startsWith('domain:') ? ([...w.texts][0] ?? w.name) : w.name;
}

async function createAccounts(f: AccountFiler, wanted: Wanted[], ids: Map<string, string>): Promise<void> {
  const { matchField, externalIdField: ext } = f.mapping.account;
  const rows: Record<string, SalesforceValue>[] = [];
  for (const w of wanted) {
    const name = newName(w);
    const scores = await keepExisting(f, scoreFields(f, w.scores));
    rows.push({
      [ext]: w.externalId,
      Name: name,
      ...(matchField !== 'Name' ? { [matchField]: name } : {}),
      ...scores,
    });
  }
  for (const [n, part] of chunk(rows, COLLECTION_CHUNK).entries()) {
    const raw = await f.client.call(`PATCH /composite/sobjects/Account/${ext}`, (conn) =>
      conn.sobject('Account').upsert(part, ext, { allOrNone: false }),
    );
    parseResults(raw, part.length).forEach((res, i) => {
      const w = wanted[n * COLLECTION_CHUNK + i]!;
      if (res.success && res.id) ids.set(lower(w.externalId), res.id);
      else {
        f.log.warn('salesforce account not created', {
          code: res.errors[0]?.statusCode ?? res.errors[0]?.errorCode,
        });
      }
    });
  }
}

/** Models without accounts (or an org without the account id field): by the company text. */
async function accountsByName(f: AccountFiler, names: string[]): Promise<Map<string, string>> {
  const { matchField } = f.mapping.account;
  const ids = new Map<string, string>();
  for (const part of chunk(names, IN_LIST)) {
    const soql = `SELECT Id, ${matchField} FROM Account WHERE ${matchField} IN ${soqlList(part)} ORDER BY CreatedDate, Id`;
    for (const acc of await f.query(soql, 'Account')) {
      const value = acc[matchField];
      const key = typeof value === 'string' ? lower(value) : '';
      // Several Accounts share the name: the oldest wins, deterministically.
      if (key && !ids.has(key)) ids.set(key, String(acc.Id));
    }
  }
  const missing = names.filter((n) => !ids.has(lower(n)));
  if (!missing.length || !f.config.createMissingAccounts) return ids;
  for (const part of chunk(missing, COLLECTION_CHUNK)) {
    const raw = await f.client.call('POST /composite/sobjects', (conn) =>
      conn.sobject('Account').create(
        part.map((name) => ({ Name: name, ...(matchField !== 'Name' ? { [matchField]: name } : {}) })),
        {
          allOrNone: false,
        },
      ),
    );
    parseResults(raw, part.length).forEach((res, i) => {
      if (res.success && res.id) ids.set(lower(part[i]!), res.id);
      else {
        f.log.warn('salesforce account not created', {
          code: res.errors[0]?.statusCode ?? res.errors[0]?.errorCode,
        });
      }
    });
  }
  return ids;
}
