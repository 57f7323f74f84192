/**
 * SOQL paging in the sandbox: 2,000 rows a page (REST API Developer Guide, "Query More Results"),
 * `nextRecordsUrl` under /services/data/vXX.X/query/, the query's order across pages, and a result
 * fixed when the query ran (rest.ts `QueryLocators`). Expected values are worked out by hand from
 * the records each test enters.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type RunningSandbox, startSandbox } from './helpers.ts';

const V = '/services/data/v62.0';
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
let running: RunningSandbox;
let token: string;

beforeEach(async () => {
  // A frozen clock: each write is stamped 1 ms after the one before (org.ts `stamp`).
  running = await startSandbox({ now: () => T0 });
  token = running.sandbox.oauth.issueTokens().access_token;
});
afterEach(async () => {
  await running.close();
});

interface Page {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: ({ attributes: { type: string; url: string } } & Record<string, unknown>)[];
}

async function get(path: string): Promise<Page> {
  const res = await fetch(`${running.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

const query = (soql: string) => get(`${V}/query?q=${encodeURIComponent(soql)}`);
const name = (i: number) => `L${String(i).padStart(4, '0')}`;

/** Leads L0000…L(n-1), external ids E0000…, entered in that order (after the sandbox's 4 seeded records). */
function enterLeads(n: number): string[] {
  return Array.from({ length: n }, (_v, i) =>
    running.sandbox.enterRecord('Lead', {
      LastName: name(i),
      Company: 'Acme',
      Leadstage_External_Id__c: `E${String(i).padStart(4, '0')}`,
    }),
  );
}

describe('SOQL pages', () => {
  it('pages 2,500 rows as 2,000 + 500 in ORDER BY order, with nextRecordsUrl only while not done', async () => {
    const ids = enterLeads(2500);
    const first = await query(
      'SELECT Id, LastName FROM Lead WHERE Leadstage_External_Id__c != null ORDER BY LastName DESC',
    );
    expect(first.totalSize).toBe(2500);
    expect(first.done).toBe(false);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[0-9A-Za-z]+-2000$/);
    expect(first.records).toHaveLength(2000);
    expect(first.records[0]).toStrictEqual({
      attributes: { type: 'Lead', url: `${V}/sobjects/Lead/${ids[2499]}` },
      Id: ids[2499],
      LastName: 'L2499',
    });
    expect(first.records[1999]!.LastName).toBe('L0500');

    const second = await get(first.nextRecordsUrl!);
    expect(second.totalSize).toBe(2500);
    expect(second.done).toBe(true);
    expect(second).not.toHaveProperty('nextRecordsUrl');
    expect(second.records.map((r) => r.LastName)).toStrictEqual(
      Array.from({ length: 500 }, (_v, i) => name(499 - i)),
    );
  });

  it('pages by Id and by LastModifiedDate in that order, OFFSET and LIMIT included', async () => {
    const ids = enterLeads(2500);
    const byId = await query('SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT 2200 OFFSET 1');
    // The seeded Walk-in Lead comes first by Id; OFFSET 1 skips it.
    expect(byId.totalSize).toBe(2200);
    expect(byId.records.map((r) => r.Id)).toStrictEqual(ids.slice(0, 2000));
    expect((await get(byId.nextRecordsUrl!)).records.map((r) => r.Id)).toStrictEqual(ids.slice(2000, 2200));

    const desc = await query('SELECT LastName FROM Lead ORDER BY CreatedDate DESC LIMIT 2');
    expect(desc.records.map((r) => r.LastName)).toStrictEqual(['L2499', 'L2498']);

    // L0001 edited last: the last in modification order. Stamps: 4 seeded records T0…T0+3, then
    // L(i) at T0+4+i, the edit at T0+2504.
    running.sandbox.editRecord('Lead', ids[1]!, { Title: 'CTO' });
    const after = new Date(T0 + 2500).toISOString();
    const keyset = await query(
      `SELECT LastName FROM Lead WHERE LastModifiedDate > ${after} OR (LastModifiedDate = ${after} AND Id > '${ids[2496]}') ORDER BY LastModifiedDate, Id LIMIT 2000`,
    );
    expect(keyset.records.map((r) => r.LastName)).toStrictEqual(['L2497', 'L2498', 'L2499', 'L0001']);
    const newest = await query('SELECT LastName FROM Lead ORDER BY SystemModstamp DESC LIMIT 2');
    expect(newest.records.map((r) => r.LastName)).toStrictEqual(['L0001', 'L2499']);
  });

  it('later pages answer the rows as they were when the query ran', async () => {
    const ids = enterLeads(2500);
    const first = await query("SELECT Id, LastName FROM Lead WHERE Company = 'ACME' ORDER BY LastName");
    expect(first.records[1999]!.LastName).toBe('L1999');
    running.sandbox.editRecord('Lead', ids[2400]!, { LastName: 'Changed' });
    running.sandbox.deleteRecord(ids[2300]!);
    running.sandbox.enterRecord('Lead', { LastName: 'L2000a', Company: 'Acme' });

    const second = await get(first.nextRecordsUrl!);
    expect(second.totalSize).toBe(2500);
    expect(second.records.map((r) => r.LastName)).toStrictEqual(
      Array.from({ length: 500 }, (_v, i) => name(2000 + i)),
    );
    // A new query sees the changes.
    const again = await query("SELECT LastName FROM Lead WHERE Company = 'ACME' ORDER BY LastName");
    expect(again.totalSize).toBe(2500);
    const rest = (await get(again.nextRecordsUrl!)).records.map((r) => r.LastName);
    expect(rest.slice(0, 2)).toStrictEqual(['L1999', 'L2000']);
    expect(rest).toContain('L2000a');
    expect(rest).not.toContain('L2300');
    expect(rest).not.toContain('L2400');
  });

  it('IN on an external id matches ignoring case and keeps ORDER BY; = on Id matches exactly', async () => {
    const ids = enterLeads(10);
    const page = await query(
      "SELECT LastName FROM Lead WHERE Leadstage_External_Id__c IN ('e0003', 'E0007', 'E0005') AND IsConverted = false ORDER BY LastName DESC",
    );
    expect(page.records.map((r) => r.LastName)).toStrictEqual(['L0007', 'L0005', 'L0003']);
    expect((await query(`SELECT LastName FROM Lead WHERE Id = '${ids[4]}'`)).records).toHaveLength(1);
    expect((await query(`SELECT LastName FROM Lead WHERE Id = '${ids[4]!.toLowerCase()}'`)).totalSize).toBe(
      0,
    );
  });
});

describe('lookups', () => {
  it('finds a record by its 15-character id', async () => {
    const [id] = enterLeads(1);
    const res = await fetch(`${running.url}${V}/sobjects/Lead/${id!.slice(0, 15)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await res.json()) as { Id: string }).Id).toBe(id);
  });

  it('converts a Lead found by external id into the Account of the same name, ignoring case', () => {
    enterLeads(3);
    const account = running.sandbox.enterRecord('Account', { Name: 'ACME' });
    const task = running.sandbox.enterRecord('Task', {
      WhoId: String(running.sandbox.sales.lead('E0002').Id),
      Subject: 'Call',
    });
    const converted = running.sandbox.sales.convertLead('E0002', { createOpportunity: false });
    expect(converted.accountId).toBe(account);
    expect(running.sandbox.records('Task').find((t) => t.Id === task)?.WhoId).toBe(converted.contactId);
    expect(() => running.sandbox.sales.lead('e0002')).toThrow('no Lead e0002');
  });
});
