/** The sandbox's wire format, read with plain fetch: what a client that is not jsforce would see. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { parseCsv, toCsv } from '../../../connectors/salesforce/csv.ts';
import { type RunningSandbox, startSandbox } from './helpers.ts';

let running: RunningSandbox;
let token: string;
const V = '/services/data/v62.0';
const EXT = 'Leadstage_External_Id__c';

beforeEach(async () => {
  running = await startSandbox();
  token = running.sandbox.oauth.issueTokens().access_token;
});
afterEach(async () => {
  await running.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // CSV and empty bodies stay text
  }
  return { status: res.status, limit: res.headers.get('sforce-limit-info'), body: json, text };
}

const lead = (ext: string, extra: Record<string, unknown> = {}) => ({
  attributes: { type: 'Lead' },
  Leadstage_External_Id__c: ext,
  LastName: `L ${ext}`,
  Company: 'Acme',
  ...extra,
});

describe('sessions and limits', () => {
  it('answers a missing or expired session with 401 INVALID_SESSION_ID', async () => {
    token = 'not-a-token';
    const res = await call('GET', `${V}/limits`);
    expect(res.status).toBe(401);
    expect(res.body).toStrictEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
  });

  it('puts Sforce-Limit-Info on every answer and refuses with 403 REQUEST_LIMIT_EXCEEDED at the limit', async () => {
    running.sandbox.faults.setApiUsage(9, 10);
    const ok = await call('GET', `${V}/limits`);
    expect(ok.status).toBe(200);
    expect(ok.limit).toBe('api-usage=10/10');
    expect(ok.body).toMatchObject({ DailyApiRequests: { Max: 10, Remaining: 0 } });
    const refused = await call('GET', `${V}/limits`);
    expect(refused.status).toBe(403);
    expect(refused.limit).toBe('api-usage=10/10');
    expect(refused.body).toStrictEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    expect(running.sandbox.stats().rateLimited).toBe(1);
  });

  it('refuses API versions it does not serve', async () => {
    const res = await call('GET', '/services/data/v19.0/limits');
    expect(res.status).toBe(404);
    expect(res.body).toStrictEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
  });
});

describe('writes', () => {
  it('single upsert by external id: 201 created, then 200 updated', async () => {
    const path = `${V}/sobjects/Lead/Leadstage_External_Id__c/hubspot:1`;
    const created = await call('PATCH', path, { LastName: 'One', Company: 'Acme' });
    const updated = await call('PATCH', path, { Title: 'CTO' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ success: true, created: true, errors: [] });
    expect(updated.status).toBe(200);
    expect(updated.body).toStrictEqual({
      id: (created.body as { id: string }).id,
      success: true,
      errors: [],
      created: false,
    });
  });

  it('Account upsert by the account id: 201, 200, and 300 naming the matches when two hold it', async () => {
    const ext = 'Leadstage_Account_Id__c';
    const path = `${V}/sobjects/Account/${ext}/${encodeURIComponent('hubspot:1:domain:acme.example')}`;
    const created = await call('PATCH', path, { Name: 'Acme' });
    expect(created.status).toBe(201);
    const updated = await call('PATCH', path, { Leadstage_Engagement_Score__c: 60 });
    expect(updated.status).toBe(200);
    const id = (created.body as { id: string }).id;
    expect(
      running.sandbox.records('Account').filter((a) => a[ext] === 'hubspot:1:domain:acme.example'),
    ).toStrictEqual([expect.objectContaining({ Id: id, Name: 'Acme', Leadstage_Engagement_Score__c: 60 })]);
    // Unique refuses a second holder; a field created without Unique lets two Accounts share the id.
    expect(
      await call('POST', `${V}/sobjects/Account`, { Name: 'Acme 2', [ext]: 'hubspot:1:domain:acme.example' }),
    ).toMatchObject({ status: 400 });
    running.sandbox.faults.removeField('Account', ext);
    running.sandbox.faults.addField('Account', {
      name: ext,
      label: 'Leadstage Account Id',
      type: 'string',
      length: 255,
      createable: true,
      updateable: true,
      externalId: true,
      unique: false,
      custom: true,
    });
    // (Deleting the field deleted its values, as in an org.)
    const twins = ['Acme 1', 'Acme 2'].map((Name) =>
      running.sandbox.enterRecord('Account', { Name, [ext]: 'hubspot:1:domain:acme.example' }),
    );
    const answer = await call('PATCH', path, { Leadstage_Engagement_Score__c: 90 });
    expect(answer.status).toBe(300);
    expect(answer.body).toStrictEqual(twins.map((i) => `${V}/sobjects/Account/${i}`));
    expect(
      running.sandbox.records('Account').filter((a) => a.Leadstage_Engagement_Score__c === 90),
    ).toHaveLength(0);
  });

  it('Collections upsert: per-record results in order, duplicate ids in one request refused', async () => {
    const res = await call('PATCH', `${V}/composite/sobjects/Lead/Leadstage_External_Id__c`, {
      allOrNone: false,
      records: [lead('a'), lead('b'), lead('b'), lead('c', { Email: 'nope' })],
    });
    expect(res.status).toBe(200);
    const results = res.body as {
      success: boolean;
      created?: boolean;
      errors: { statusCode: string; fields: string[] }[];
    }[];
    expect(results.map((r) => r.success)).toStrictEqual([true, false, false, false]);
    expect(results[1]!.errors[0]!.statusCode).toBe('DUPLICATE_EXTERNAL_ID');
    expect(results[3]!.errors[0]).toStrictEqual({
      statusCode: 'INVALID_EMAIL_ADDRESS',
      message: 'Email: invalid email address: nope',
      fields: ['Email'],
    });
  });

  it('allOrNone rolls every record back when one fails', async () => {
    const res = await call('PATCH', `${V}/composite/sobjects/Lead/Leadstage_External_Id__c`, {
      allOrNone: true,
      records: [lead('a'), lead('b', { LastName: null })],
    });
    const results = res.body as { success: boolean; errors: { statusCode: string }[] }[];
    expect(results.map((r) => r.errors[0]?.statusCode)).toStrictEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'REQUIRED_FIELD_MISSING',
    ]);
    expect(running.sandbox.records('Lead').filter((l) => l.Leadstage_External_Id__c)).toHaveLength(0);
  });

  it('a rolled-back insert leaves no trace: a later upsert by its external id creates (201)', async () => {
    const upsertPath = `${V}/composite/sobjects/Lead/Leadstage_External_Id__c`;
    await call('PATCH', upsertPath, { allOrNone: true, records: [lead('a'), lead('b', { LastName: null })] });
    // Inserted by a plain create in a failing allOrNone call too: the unique check must not see it.
    await call('POST', `${V}/composite/sobjects`, {
      allOrNone: true,
      records: [lead('b'), lead('c', { LastName: null })],
    });
    const single = await call('PATCH', `${V}/sobjects/Lead/Leadstage_External_Id__c/a`, {
      LastName: 'A',
      Company: 'Acme',
    });
    expect(single.status).toBe(201);
    const again = await call('PATCH', upsertPath, { records: [lead('b')] });
    expect((again.body as { success: boolean; created: boolean }[])[0]).toMatchObject({
      success: true,
      created: true,
    });
    expect(running.sandbox.records('Lead').filter((l) => l.Leadstage_External_Id__c)).toHaveLength(2);
  });

  it('a rolled-back update or delete restores the external id: later upserts update (200), not duplicate', async () => {
    const x = running.sandbox.enterRecord('Lead', { LastName: 'X', Company: 'Acme', [EXT]: 'x' });
    const y = running.sandbox.enterRecord('Lead', { LastName: 'Y', Company: 'Acme', [EXT]: 'y' });
    await call('PATCH', `${V}/composite/sobjects`, {
      allOrNone: true,
      records: [
        { attributes: { type: 'Lead' }, Id: x, [EXT]: 'moved' },
        { attributes: { type: 'Lead' }, Id: y, LastName: null },
      ],
    });
    const deleted = await call(
      'DELETE',
      `${V}/composite/sobjects?ids=${y},00Q000000000000AAA&allOrNone=true`,
    );
    expect((deleted.body as { success: boolean }[]).map((r) => r.success)).toStrictEqual([false, false]);
    for (const [ext, id] of [
      ['x', x],
      ['y', y],
    ]) {
      const res = await call('PATCH', `${V}/sobjects/Lead/Leadstage_External_Id__c/${ext}`, { Title: 'CTO' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, created: false });
    }
    // The moved value was rolled back with the record, so it names nothing: an upsert by it creates.
    const moved = await call('PATCH', `${V}/sobjects/Lead/Leadstage_External_Id__c/moved`, {
      LastName: 'M',
      Company: 'Acme',
    });
    expect(moved.status).toBe(201);
    expect(
      running.sandbox
        .records('Lead')
        .filter((l) => l[EXT])
        .map((l) => [l.Id, l[EXT], l.Title ?? null]),
    ).toStrictEqual([
      [x, 'x', 'CTO'],
      [y, 'y', 'CTO'],
      [expect.any(String), 'moved', null],
    ]);
  });

  it('more than 200 records is refused as a whole', async () => {
    const res = await call('PATCH', `${V}/composite/sobjects/Lead/Leadstage_External_Id__c`, {
      records: Array.from({ length: 201 }, (_v, i) => lead(String(i))),
    });
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual([
      {
        message: 'record limit reached. cannot submit more than 200 records into this call',
        errorCode: 'EXCEEDED_ID_LIMIT',
      },
    ]);
  });

  it('an unknown field fails the request with INVALID_FIELD', async () => {
    const res = await call('PATCH', `${V}/composite/sobjects/Lead/Leadstage_External_Id__c`, {
      records: [lead('a', { Shoe_Size__c: 44 })],
    });
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual([
      { message: "No such column 'Shoe_Size__c' on sobject of type Lead", errorCode: 'INVALID_FIELD' },
    ]);
  });

  it('a converted Lead refuses writes with CANNOT_UPDATE_CONVERTED_LEAD', async () => {
    await call('PATCH', `${V}/sobjects/Lead/Leadstage_External_Id__c/hubspot:1`, {
      LastName: 'One',
      Company: 'Acme',
    });
    running.sandbox.sales.convertLead('hubspot:1');
    const single = await call('PATCH', `${V}/sobjects/Lead/Leadstage_External_Id__c/hubspot:1`, {
      Title: 'CTO',
    });
    expect(single.status).toBe(400);
    expect(single.body).toStrictEqual([
      { message: 'cannot reference converted lead', errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD' },
    ]);
    const many = await call('PATCH', `${V}/composite/sobjects/Lead/Leadstage_External_Id__c`, {
      records: [lead('hubspot:1')],
    });
    expect(many.body).toStrictEqual([
      {
        success: false,
        errors: [
          {
            statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD',
            message: 'cannot reference converted lead',
            fields: [],
          },
        ],
      },
    ]);
  });

  it('a unique field already taken gives DUPLICATE_VALUE', async () => {
    const a = await call('POST', `${V}/sobjects/Contact`, {
      LastName: 'A',
      Leadstage_External_Id__c: 'hubspot:1',
    });
    const b = await call('POST', `${V}/sobjects/Contact`, { LastName: 'B' });
    const res = await call('PATCH', `${V}/composite/sobjects`, {
      records: [
        {
          attributes: { type: 'Contact' },
          id: (b.body as { id: string }).id,
          Leadstage_External_Id__c: 'HUBSPOT:1',
        },
      ],
    });
    expect(res.body).toStrictEqual([
      {
        success: false,
        errors: [
          {
            statusCode: 'DUPLICATE_VALUE',
            message: `duplicate value found: Leadstage_External_Id__c duplicates value on record with id: ${(a.body as { id: string }).id}`,
            fields: [],
          },
        ],
      },
    ]);
  });
});

describe('reads', () => {
  it('describe lists the external id field as such', async () => {
    const res = await call('GET', `${V}/sobjects/Lead/describe`);
    const field = (
      res.body as { fields: { name: string; externalId: boolean; unique: boolean }[] }
    ).fields.find((f) => f.name === 'Leadstage_External_Id__c');
    expect(field).toMatchObject({ externalId: true, unique: true, type: 'string' });
  });

  it('SOQL errors come back as MALFORMED_QUERY and INVALID_FIELD', async () => {
    const bad = await call('GET', `${V}/query?q=${encodeURIComponent('SELECT Id Lead')}`);
    expect(bad.status).toBe(400);
    expect((bad.body as { errorCode: string }[])[0]!.errorCode).toBe('MALFORMED_QUERY');
    const unknown = await call('GET', `${V}/query?q=${encodeURIComponent('SELECT Nope FROM Lead')}`);
    expect(unknown.body).toStrictEqual([
      { message: "No such column 'Nope' on entity 'Lead'.", errorCode: 'INVALID_FIELD' },
    ]);
  });

  it('serves more than 2,000 rows through nextRecordsUrl', async () => {
    for (let i = 0; i < 11; i++) {
      await call('PATCH', `${V}/composite/sobjects/Lead/Leadstage_External_Id__c`, {
        records: Array.from({ length: 200 }, (_v, j) => lead(`x${i * 200 + j}`)),
      });
    }
    const first = await call(
      'GET',
      `${V}/query?q=${encodeURIComponent('SELECT Id FROM Lead WHERE Leadstage_External_Id__c != null')}`,
    );
    const page = first.body as {
      totalSize: number;
      done: boolean;
      records: unknown[];
      nextRecordsUrl: string;
    };
    expect(page).toMatchObject({ totalSize: 2200, done: false });
    expect(page.records).toHaveLength(2000);
    const rest = await call('GET', page.nextRecordsUrl);
    expect(rest.body).toMatchObject({ totalSize: 2200, done: true });
    expect((rest.body as { records: unknown[] }).records).toHaveLength(200);
  });
});

describe('Bulk API 2.0 ingest', () => {
  it('create, upload, UploadComplete, poll, results', async () => {
    const job = await call('POST', `${V}/jobs/ingest`, {
      object: 'Lead',
      operation: 'upsert',
      externalIdFieldName: 'Leadstage_External_Id__c',
      contentType: 'CSV',
      lineEnding: 'LF',
    });
    const id = (job.body as { id: string; state: string }).id;
    expect(job.body).toMatchObject({ state: 'Open', object: 'Lead', operation: 'upsert' });
    const csv = toCsv([
      { Leadstage_External_Id__c: 'hubspot:1', LastName: 'One, Jr.', Company: 'Acme' },
      { Leadstage_External_Id__c: 'hubspot:2', LastName: '', Company: 'Acme' },
    ]);
    expect(
      (await call('PUT', `${V}/jobs/ingest/${id}/batches`, csv, { 'content-type': 'text/csv' })).status,
    ).toBe(201);
    expect((await call('PATCH', `${V}/jobs/ingest/${id}`, { state: 'UploadComplete' })).body).toMatchObject({
      state: 'UploadComplete',
    });
    expect((await call('GET', `${V}/jobs/ingest/${id}`)).body).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 2,
      numberRecordsFailed: 1,
    });
    const ok = parseCsv((await call('GET', `${V}/jobs/ingest/${id}/successfulResults`)).text);
    expect(ok).toStrictEqual([
      {
        sf__Id: expect.stringMatching(/^00Q/) as unknown,
        sf__Created: 'true',
        Leadstage_External_Id__c: 'hubspot:1',
        LastName: 'One, Jr.',
        Company: 'Acme',
      },
    ]);
    const failed = parseCsv((await call('GET', `${V}/jobs/ingest/${id}/failedResults`)).text);
    expect(failed).toStrictEqual([
      {
        sf__Id: '',
        sf__Error: 'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --',
        Leadstage_External_Id__c: 'hubspot:2',
        LastName: '',
        Company: 'Acme',
      },
    ]);
    expect(running.sandbox.stats().calls).toMatchObject({
      'POST /jobs/ingest': 1,
      'PUT /jobs/ingest/:id/batches': 1,
      'GET /jobs/ingest/:id/failedResults': 1,
    });
  });

  it('an upsert job without an external id field is refused', async () => {
    const res = await call('POST', `${V}/jobs/ingest`, { object: 'Lead', operation: 'upsert' });
    expect(res.status).toBe(400);
    expect((res.body as { errorCode: string }[])[0]!.errorCode).toBe('INVALIDJOB');
  });
});

describe('playing sales over HTTP', () => {
  it('converts a lead, opens and wins an opportunity under /_sandbox', async () => {
    await call('PATCH', `${V}/sobjects/Lead/Leadstage_External_Id__c/hubspot:1`, {
      LastName: 'One',
      Company: 'Acme',
    });
    const post = (path: string, body: unknown = {}) =>
      fetch(`${running.url}/_sandbox${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const converted = (await (
      await post('/leads/hubspot:1/convert', { createOpportunity: false })
    ).json()) as { contactId: string; opportunityId: null };
    expect(converted.opportunityId).toBeNull();
    const opened = (await (
      await post('/opportunities', { contactId: converted.contactId, amount: 5000 })
    ).json()) as { id: string };
    expect((await post(`/opportunities/${opened.id}/win`)).status).toBe(204);
    expect(running.sandbox.sales.record('Opportunity', opened.id)).toMatchObject({
      StageName: 'Closed Won',
      IsWon: true,
      IsClosed: true,
      Amount: 5000,
    });
    const bad = await post('/leads/hubspot:404/status', { status: 'Qualified' });
    expect(bad.status).toBe(404);
  });
});
