/**
 * The connector through jsforce against the Salesforce sandbox over real HTTP: OAuth with PKCE,
 * idempotent handoff, conversion and the closed loop, Bulk API 2.0, refresh, limits, schema.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  createPkcePair,
  createSalesforceConnector,
  salesforceConnector,
} from '../../../connectors/salesforce/index.ts';
import { SANDBOX_OAUTH_APP } from '../../../connectors/sandbox-types.ts';
import { ApiLimitExceededError, AuthError } from '../../../src/errors.ts';
import type { SalesOutcome } from '../../../src/model.ts';
import {
  collectPages,
  handoffRecord,
  type RunningSandbox,
  sandboxCredentials,
  startSandbox,
  testContext,
} from './helpers.ts';

const DIMENSIONS = { stages: [], dimensions: ['contact', 'activity', 'engagement'] };
let running: RunningSandbox;

beforeEach(async () => {
  running = await startSandbox();
});
afterEach(async () => {
  await running.close();
});

function connect(config: Record<string, unknown> = {}) {
  const ctx = testContext(sandboxCredentials(running.sandbox), running.url, config);
  return { ctx, sf: createSalesforceConnector(ctx, { app: SANDBOX_OAUTH_APP }) };
}

const leadsFromLeadstage = () => running.sandbox.records('Lead').filter((l) => l.Leadstage_External_Id__c);

describe('handoff', () => {
  it('running the same handoff twice creates no duplicate', async () => {
    const { sf } = connect();
    const records = ['1', '2', '3'].map((id) => handoffRecord(id));
    const first = await sf.handoff(records);
    const second = await sf.handoff(records.map((r) => ({ ...r, stage: 'sql', summary: 'updated reason' })));
    expect(first.failed).toStrictEqual([]);
    expect(first.ok.map((o) => o.created)).toStrictEqual([true, true, true]);
    expect(second.ok.map((o) => o.created)).toStrictEqual([false, false, false]);
    expect(second.ok.map((o) => o.crmId)).toStrictEqual(first.ok.map((o) => o.crmId));
    expect(leadsFromLeadstage()).toHaveLength(3);
    expect(leadsFromLeadstage().map((l) => l.Leadstage_Reason__c)).toStrictEqual([
      'updated reason',
      'updated reason',
      'updated reason',
    ]);
    const lead = running.sandbox.sales.lead('hubspot:1');
    expect(lead).toMatchObject({
      Email: 'person.1@example.com',
      Status: 'Open - Not Contacted',
      Leadstage_Score__c: 65,
      Leadstage_Stage__c: 'Sales Qualified Lead',
    });
  });

  it('a rejected record is reported with its code and fields and does not fail the others', async () => {
    const { sf } = connect();
    running.sandbox.faults.rejectExternalId('hubspot:3', {
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Reps need a phone number',
      fields: ['Phone'],
    });
    const bad = handoffRecord('2', {
      properties: { ...handoffRecord('2').properties, email: 'not-an-email' },
    });
    const result = await sf.handoff([handoffRecord('1'), bad, handoffRecord('3')]);
    expect(result.ok.map((o) => o.externalId)).toStrictEqual(['hubspot:1']);
    expect(result.failed).toStrictEqual([
      {
        id: 'hubspot:2',
        code: 'INVALID_EMAIL_ADDRESS',
        message: 'Email: invalid email address: not-an-email',
        retryable: false,
        fields: ['Email'],
      },
      {
        id: 'hubspot:3',
        code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        message: 'Reps need a phone number',
        retryable: false,
        fields: ['Phone'],
      },
    ]);
    expect(leadsFromLeadstage()).toHaveLength(1);
  });

  it('goes through one Bulk API 2.0 job above the threshold, with per-record results', async () => {
    const { sf } = connect({ bulkThreshold: 4, bulkPollIntervalMs: 10 });
    const records = ['1', '2', '3', '4', '5'].map((id) => handoffRecord(id));
    records[3] = handoffRecord('4', { properties: { ...records[3]!.properties, email: 'broken@' } });
    const first = await sf.handoff(records);
    expect(first.ok.map((o) => [o.externalId, o.created])).toStrictEqual([
      ['hubspot:1', true],
      ['hubspot:2', true],
      ['hubspot:3', true],
      ['hubspot:5', true],
    ]);
    expect(first.failed).toStrictEqual([
      {
        id: 'hubspot:4',
        code: 'INVALID_EMAIL_ADDRESS',
        message: 'Email: invalid email address: broken@',
        retryable: false,
        fields: ['Email'],
      },
    ]);
    const again = await sf.handoff(records);
    expect(again.ok.map((o) => o.created)).toStrictEqual([false, false, false, false]);
    expect(again.failed.map((f) => f.code)).toStrictEqual(['INVALID_EMAIL_ADDRESS']);
    const calls = running.sandbox.stats().calls;
    expect(calls['POST /jobs/ingest']).toBe(2);
    expect(calls['PATCH /composite/sobjects/Lead/Leadstage_External_Id__c']).toBeUndefined();
    expect(leadsFromLeadstage()).toHaveLength(4);
    expect(running.sandbox.sales.lead('hubspot:5')).toMatchObject({
      NumberOfEmployees: 250,
      Leadstage_Score__c: 65,
    });
  });

  it('counts the existence query of first handoffs in the minimum calls, one per 100 records', async () => {
    const { ctx, sf } = connect();
    const records = Array.from({ length: 250 }, (_, i) =>
      handoffRecord(String(i + 1), { firstHandoff: true }),
    );
    const result = await sf.handoff(records);
    expect(result.failed).toStrictEqual([]);
    // 250 external ids in IN lists of 100: 3 queries, before any record is written.
    expect(ctx.counted['GET /query (Lead, existence)']).toBe(3);
    const work = {
      contacts: 0,
      eventsByType: {},
      writtenBack: 0,
      recycled: 0,
      handedOff: 250,
      salesOutcomes: 0,
    };
    // Lead handoff: 2 describes, 2 Collections of 200, 2 outcome queries (+ 3 existence queries).
    expect(sf.minimumCalls!({ ...work, firstHandoffs: 0 })).toStrictEqual({
      schema: 2,
      handoff: 2,
      sales_outcomes: 2,
      existence: 0,
      accounts: 0,
    });
    expect(sf.minimumCalls!({ ...work, firstHandoffs: 250 })).toMatchObject({ existence: 3 });
    // 5,000 records: past the default threshold, one Bulk job (five calls) at least. A threshold
    // above the 2,001 records a call takes means Collections only: 25 of 200.
    expect(sf.minimumCalls!({ ...work, handedOff: 5_000 })).toMatchObject({ handoff: 5 });
    const collectionsOnly = connect({ bulkThreshold: 3_000 }).sf;
    expect(collectionsOnly.handoffBatchSize).toBe(2_001);
    expect(collectionsOnly.minimumCalls!({ ...work, handedOff: 5_000 })).toMatchObject({ handoff: 25 });
  });

  it('upserts Contact handoff Accounts by account id, and counts their lookups in the minimum calls', async () => {
    const { ctx, sf } = connect({ handoffObject: 'Contact' });
    expect(
      await sf.ensureSchema({ stages: [], dimensions: [], accountDimensions: ['engagement'] }),
    ).toStrictEqual([]);
    const accountOf = (i: number) => ({
      id: `domain:d${i}.example`,
      name: `d${i}.example`,
      scores: { engagement: i },
      externalId: `hubspot:1:domain:d${i}.example`,
    });
    const records = Array.from({ length: 150 }, (_, i) =>
      handoffRecord(String(i + 1), { account: accountOf(i + 1) }),
    );
    expect((await sf.handoff(records)).failed).toStrictEqual([]);
    // 150 account ids, 100 per IN list: 2 queries; none found, so 2 more for the 151 names that could
    // be adopted (150 domains and the contacts' "Northwind Labs"); then one upsert Collection creates all.
    expect(ctx.counted['GET /query (Account, accounts)']).toBe(4);
    expect(ctx.counted['PATCH /composite/sobjects/Account/Leadstage_Account_Id__c']).toBe(1);
    const keyed = running.sandbox.records('Account').filter((a) => a.Leadstage_Account_Id__c);
    expect(keyed).toHaveLength(150);
    expect(keyed.find((a) => a.Leadstage_Account_Id__c === 'hubspot:1:domain:d7.example')).toMatchObject({
      // An email-domain account is named after what its contact typed as company.
      Name: 'Northwind Labs',
      Leadstage_Engagement_Score__c: 7,
    });
    const work = {
      contacts: 0,
      eventsByType: {},
      writtenBack: 0,
      recycled: 0,
      handedOff: 150,
      salesOutcomes: 0,
    };
    expect(sf.minimumCalls!({ ...work, handedAccounts: 150 })).toMatchObject({ accounts: 2 });
    // A Lead handoff files nothing under Accounts.
    const { sf: leads } = connect();
    await leads.ensureSchema({ stages: [], dimensions: [], accountDimensions: ['engagement'] });
    expect(leads.minimumCalls!({ ...work, handedAccounts: 150 })).toMatchObject({ accounts: 0 });
  });

  it('takes the oldest Account of a twice-held account id, and falls back to names without the field', async () => {
    const ext = 'Leadstage_Account_Id__c';
    const field = { name: ext, label: 'Leadstage Account Id', type: 'string' as const, length: 255 };
    running.sandbox.faults.removeField('Account', ext);
    running.sandbox.faults.addField('Account', {
      ...field,
      createable: true,
      updateable: true,
      externalId: true,
      unique: false,
    });
    const account = { id: 'domain:acme.example', name: 'acme.example', scores: { engagement: 40 } };
    const held = { ...account, externalId: 'hubspot:1:domain:acme.example' };
    const [older, newer] = ['Acme A', 'Acme B'].map((Name) =>
      running.sandbox.enterRecord('Account', { Name, [ext]: held.externalId }),
    );
    const { sf } = connect({ handoffObject: 'Contact' });
    expect((await sf.handoff([handoffRecord('1', { account: held })])).failed).toStrictEqual([]);
    const contact = () =>
      running.sandbox.records('Contact').find((c) => c.Leadstage_External_Id__c === 'hubspot:1');
    expect(contact()?.AccountId).toBe(older);
    const byId = (id: string | undefined) => running.sandbox.records('Account').find((a) => a.Id === id);
    expect(byId(older)?.Leadstage_Engagement_Score__c).toBe(40);
    expect(byId(newer)?.Leadstage_Engagement_Score__c ?? null).toBeNull();

    // An org without the field: the Account whose Name is the contact's company, as before.
    running.sandbox.faults.removeField('Account', ext);
    const { sf: fresh } = connect({ handoffObject: 'Contact' });
    expect((await fresh.handoff([handoffRecord('2', { account: held })])).failed).toStrictEqual([]);
    const northwind = running.sandbox.records('Account').filter((a) => a.Name === 'Northwind Labs');
    expect(northwind).toHaveLength(1);
    expect(
      running.sandbox.records('Contact').find((c) => c.Leadstage_External_Id__c === 'hubspot:2')?.AccountId,
    ).toBe(northwind[0]!.Id);
    expect(northwind[0]!.Leadstage_Engagement_Score__c).toBe(40);
  });

  it('files Contacts under the Account matching the company when configured so', async () => {
    const { sf } = connect({ handoffObject: 'Contact' });
    const existing = handoffRecord('9', {
      properties: { ...handoffRecord('9').properties, company: 'existing customer inc' },
    });
    const result = await sf.handoff([handoffRecord('1'), handoffRecord('2'), existing]);
    expect(result.failed).toStrictEqual([]);
    const contacts = running.sandbox.records('Contact').filter((c) => c.Leadstage_External_Id__c);
    const accounts = running.sandbox.records('Account');
    const northwind = accounts.filter((a) => a.Name === 'Northwind Labs');
    const seeded = accounts.find((a) => a.Name === 'Existing Customer Inc')!;
    expect(northwind).toHaveLength(1);
    expect(contacts.map((c) => [c.Leadstage_External_Id__c, c.AccountId])).toStrictEqual([
      ['hubspot:1', northwind[0]!.Id],
      ['hubspot:2', northwind[0]!.Id],
      ['hubspot:9', seeded.Id],
    ]);
    expect(leadsFromLeadstage()).toHaveLength(0);
  });
});

describe('closed loop', () => {
  it('a converted Lead comes back as converted with its opportunity, and later handoffs follow the Contact', async () => {
    const { sf } = connect();
    await sf.handoff([handoffRecord('1'), handoffRecord('2')]);
    const first = await collectPages(sf.pullSalesOutcomes(null));
    expect(first.records.map((r) => [r.externalId, r.facts])).toStrictEqual([
      ['hubspot:1', { sales_status: 'open' }],
      ['hubspot:2', { sales_status: 'open' }],
    ]);

    const converted = running.sandbox.sales.convertLead('hubspot:1', { amount: 18_000 });
    running.sandbox.sales.setLeadStatus('hubspot:2', 'Working - Contacted');
    const second = await collectPages(sf.pullSalesOutcomes(first.cursor as Record<string, string | null>));
    const byObject = (o: SalesOutcome['crmObject']) => second.records.filter((r) => r.crmObject === o);
    expect(byObject('Lead')).toStrictEqual([
      expect.objectContaining({
        externalId: 'hubspot:1',
        facts: { sales_status: 'converted' },
        convertedContactId: converted.contactId,
        convertedOpportunityId: converted.opportunityId,
      }),
      expect.objectContaining({ externalId: 'hubspot:2', facts: { sales_status: 'working' } }),
    ]);
    expect(byObject('Opportunity')).toStrictEqual([
      expect.objectContaining({
        externalId: 'hubspot:1',
        crmId: converted.opportunityId,
        facts: expect.objectContaining({ sales_opportunity: 'open', sales_amount: 18_000 }) as unknown,
      }),
    ]);

    // Up to date: nothing new comes back.
    const third = await collectPages(sf.pullSalesOutcomes(second.cursor as Record<string, string | null>));
    expect(third.records).toStrictEqual([]);

    running.sandbox.sales.winOpportunity(converted.opportunityId!);
    const fourth = await collectPages(sf.pullSalesOutcomes(second.cursor as Record<string, string | null>));
    expect(fourth.records.map((r) => [r.crmObject, r.externalId, r.facts.sales_opportunity])).toStrictEqual([
      ['Opportunity', 'hubspot:1', 'won'],
    ]);

    // A later handoff, not yet knowing about the conversion: it lands on the Contact.
    const leadBefore = running.sandbox.sales.lead('hubspot:1');
    const later = await sf.handoff([
      handoffRecord('1', { stage: 'opportunity', summary: 'now an opportunity' }),
    ]);
    expect(later).toStrictEqual({
      ok: [
        {
          externalId: 'hubspot:1',
          crmId: converted.contactId,
          created: false,
          contactId: converted.contactId,
        },
      ],
      failed: [],
    });
    expect(running.sandbox.sales.lead('hubspot:1').LastModifiedDate).toBe(leadBefore.LastModifiedDate);
    expect(running.sandbox.sales.record('Contact', converted.contactId)).toMatchObject({
      Leadstage_Stage__c: 'Opportunity',
      Leadstage_Reason__c: 'now an opportunity',
    });

    // And when the pipeline passes the Contact it learned from the closed loop, no Lead write is tried.
    const before = running.sandbox.stats().calls['PATCH /composite/sobjects/Lead/Leadstage_External_Id__c'];
    const known = await sf.handoff([
      handoffRecord('1', { convertedContactId: converted.contactId, summary: 'customer soon' }),
    ]);
    expect(known.ok).toStrictEqual([
      { externalId: 'hubspot:1', crmId: converted.contactId, created: false, contactId: converted.contactId },
    ]);
    expect(running.sandbox.stats().calls['PATCH /composite/sobjects/Lead/Leadstage_External_Id__c']).toBe(
      before,
    );
    expect(leadsFromLeadstage()).toHaveLength(2);
  });

  it('an opportunity sales opens on the converted Contact is tied back through the Contact', async () => {
    const { sf } = connect();
    await sf.handoff([handoffRecord('5')]);
    const { contactId } = running.sandbox.sales.convertLead('hubspot:5', { createOpportunity: false });
    const start = await collectPages(sf.pullSalesOutcomes(null));
    const oppId = running.sandbox.sales.openOpportunity({
      contactId,
      amount: 7_500,
      stageName: 'Needs Analysis',
    });
    running.sandbox.sales.loseOpportunity(oppId);
    const out = await collectPages(sf.pullSalesOutcomes(start.cursor as Record<string, string | null>));
    expect(out.records).toStrictEqual([
      expect.objectContaining({
        crmObject: 'Opportunity',
        crmId: oppId,
        externalId: 'hubspot:5',
        facts: expect.objectContaining({ sales_opportunity: 'lost' }) as unknown,
      }),
    ]);
  });

  it('plays sales deterministically for a seed, programmatically and over HTTP', async () => {
    const { sf } = connect();
    await sf.handoff(Array.from({ length: 40 }, (_v, i) => handoffRecord(String(i + 1))));
    const res = await fetch(`${running.url}/_sandbox/play`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fraction: 0.5, seed: 7 }),
    });
    const overHttp = (await res.json()) as {
      acted: { externalId: string; action: string }[];
      considered: number;
    };
    expect(overHttp.considered).toBe(40);
    expect(overHttp.acted.length).toBeGreaterThan(5);

    const other = await startSandbox();
    try {
      const ctx = testContext(sandboxCredentials(other.sandbox), other.url);
      await createSalesforceConnector(ctx, { app: SANDBOX_OAUTH_APP }).handoff(
        Array.from({ length: 40 }, (_v, i) => handoffRecord(String(i + 1))),
      );
      expect(other.sandbox.sales.playSales(0.5, 7).acted).toStrictEqual(
        overHttp.acted.map((a) => expect.objectContaining(a) as unknown),
      );
    } finally {
      await other.close();
    }
    const outcomes = await collectPages(sf.pullSalesOutcomes(null));
    const converted = overHttp.acted.filter((a) => a.action === 'converted').map((a) => a.externalId);
    expect(
      outcomes.records
        .filter((r) => r.facts.sales_status === 'converted')
        .map((r) => r.externalId)
        .sort(),
    ).toStrictEqual([...converted].sort());
  });
});

describe('sessions and limits', () => {
  it('refreshes an expired session once and persists the new token', async () => {
    const { sf, ctx } = connect();
    await sf.handoff([handoffRecord('1')]);
    const before = ctx.credentials.current;
    running.sandbox.oauth.expireAccessTokens();
    const result = await sf.handoff([handoffRecord('2')]);
    expect(result.failed).toStrictEqual([]);
    expect(ctx.credentials.saves).toBe(1);
    expect(ctx.credentials.current).toMatchObject({
      kind: 'oauth2',
      refreshToken: (before as { refreshToken: string }).refreshToken,
    });
    expect((ctx.credentials.current as { accessToken: string }).accessToken).not.toBe(
      (before as { accessToken: string }).accessToken,
    );
    expect(running.sandbox.stats().calls['POST /services/oauth2/token']).toBe(1);
  });

  it('a revoked connection fails with AuthError and asks for a reconnect', async () => {
    const { sf, ctx } = connect();
    const creds = ctx.credentials.current as { refreshToken: string };
    await salesforceConnector.oauth.revoke!(
      { ...SANDBOX_OAUTH_APP, redirectUri: 'http://127.0.0.1:9/callback' },
      ctx.credentials.current,
      running.url,
    );
    const err: unknown = await sf.handoff([handoffRecord('1')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(ctx.credentials.needsReconnect).toBeTruthy();
    expect(running.sandbox.oauth.revoke(creds.refreshToken)).toBe(false);
  });

  it('stops mid-run when the configured share of the daily limit is used, keeping what was written', async () => {
    const { sf } = connect({ apiShare: 0.5 });
    running.sandbox.faults.setApiUsage(497, 1_000);
    const records = Array.from({ length: 450 }, (_v, i) => handoffRecord(String(i)));
    await expect(sf.handoff(records)).rejects.toBeInstanceOf(ApiLimitExceededError);
    // The schema read makes it 498, the first chunk 499, the second 500 (half of 1,000): no third chunk.
    expect(leadsFromLeadstage()).toHaveLength(400);
    expect(running.sandbox.apiUsage()).toStrictEqual({ used: 500, max: 1_000 });
  });

  it('REQUEST_LIMIT_EXCEEDED from the org stops the run', async () => {
    const { sf } = connect({ apiShare: 1 });
    running.sandbox.faults.setApiUsage(1_000, 1_000);
    await expect(sf.handoff([handoffRecord('1')])).rejects.toBeInstanceOf(ApiLimitExceededError);
    expect(running.sandbox.stats().rateLimited).toBe(1);
  });
});

describe('schema and OAuth', () => {
  it('ensureSchema names what is missing, and nothing once it exists', async () => {
    const { sf } = connect();
    expect(await sf.ensureSchema(DIMENSIONS)).toStrictEqual([]);
    running.sandbox.faults.removeField('Lead', 'Leadstage_Reason__c');
    const { sf: fresh } = connect();
    expect(await fresh.ensureSchema(DIMENSIONS)).toStrictEqual([
      'Lead.Leadstage_Reason__c is missing: create a Text(255) field labelled "Leadstage Reason" named Leadstage_Reason__c',
    ]);
    // Handoff still works and leaves the missing field out.
    const result = await fresh.handoff([handoffRecord('1')]);
    expect(result.failed).toStrictEqual([]);
  });

  it('checks a picklist stage field has a value for every stage', async () => {
    running.sandbox.faults.addField('Lead', {
      name: 'Leadstage_Stage__c',
      label: 'Leadstage Stage',
      type: 'picklist',
      createable: true,
      updateable: true,
      custom: true,
      picklistValues: ['Lead', 'Sales Qualified Lead'],
    });
    const { sf } = connect();
    const stages = [
      { key: 'lead', label: 'Lead' },
      { key: 'mql', label: 'MQL' },
      { key: 'sql', label: 'SQL' },
      { key: 'customer', label: 'Customer' },
    ];
    expect(await sf.ensureSchema({ stages, dimensions: [] })).toStrictEqual([
      'Lead.Leadstage_Stage__c is a picklist without the values "Marketing Qualified Lead", "Customer": add them',
    ]);
  });

  it('runs the web server flow with PKCE and state through jsforce, then the connector works', async () => {
    const app = { ...SANDBOX_OAUTH_APP, redirectUri: 'http://127.0.0.1:9/callback' };
    const pkce = createPkcePair();
    const authorize = salesforceConnector.oauth.authorizeUrl(app, {
      state: 'state-42',
      codeChallenge: pkce.challenge,
      baseUrl: running.url,
    });
    const redirect = await fetch(authorize, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const back = new URL(redirect.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('state-42');
    const code = back.searchParams.get('code')!;

    const wrong = await salesforceConnector.oauth
      .exchangeCode(app, { code, codeVerifier: createPkcePair().verifier, baseUrl: running.url })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(AuthError);
    expect((wrong as AuthError).code).toBe('invalid_grant');

    const again = await fetch(
      salesforceConnector.oauth.authorizeUrl(app, {
        state: 's2',
        codeChallenge: pkce.challenge,
        baseUrl: running.url,
      }),
      { redirect: 'manual' },
    );
    const code2 = new URL(again.headers.get('location')!).searchParams.get('code')!;
    const exchanged = await salesforceConnector.oauth.exchangeCode(app, {
      code: code2,
      codeVerifier: pkce.verifier,
      baseUrl: running.url,
    });
    expect(exchanged.baseUrl).toBe(running.url);
    expect(exchanged.accountId).toMatch(/^00D/);
    const ctx = testContext(exchanged.credentials, exchanged.baseUrl);
    const sf = createSalesforceConnector(ctx, { app: SANDBOX_OAUTH_APP });
    expect((await sf.handoff([handoffRecord('1')])).ok).toHaveLength(1);
  });
});
