/**
 * The connector against nock-recorded Salesforce answers shaped like the documented ones:
 * per-record Collections results, the error envelope, token refresh, the limit header.
 */
import { readFileSync } from 'node:fs';

import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { parseBulkError } from '../../../connectors/salesforce/bulk-ingest.ts';
import { parseLimitInfo } from '../../../connectors/salesforce/client.ts';
import { createSalesforceConnector, salesforceConnector } from '../../../connectors/salesforce/index.ts';
import { ApiLimitExceededError, AuthError, TransientError } from '../../../src/errors.ts';
import { collectPages, handoffRecord, testContext } from './helpers.ts';

const INSTANCE = 'https://acme.my.salesforce.com';
const API = '/services/data/v62.0';
const APP = { clientId: 'consumer-key', clientSecret: 'consumer-secret' };
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/salesforce/${name}`, import.meta.url), 'utf8'));
const LIMIT = (used: number, max = 100_000) => ({ 'Sforce-Limit-Info': `api-usage=${used}/${max}` });

function connector(config: Record<string, unknown> = {}) {
  const ctx = testContext(
    { kind: 'oauth2', accessToken: 'old-access', refreshToken: 'the-refresh-token', instanceUrl: INSTANCE },
    INSTANCE,
    config,
  );
  return { ctx, sf: createSalesforceConnector(ctx, { app: APP }) };
}

function describeLead(scope: nock.Scope, used = 10) {
  return scope
    .get(`${API}/sobjects/Lead/describe`)
    .reply(200, fixture('describe-lead.json') as nock.Body, LIMIT(used));
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('canary', () => {
  it('an unmocked Salesforce call is refused, so no test can reach a real org', async () => {
    const scope = describeLead(nock(INSTANCE));
    const { sf } = connector();
    await expect(sf.handoff([handoffRecord('1')])).rejects.toThrow();
    expect(scope.isDone()).toBe(true);
  });
});

describe('handoff through sObject Collections', () => {
  it('upserts by the external id and reads every per-record result', async () => {
    let sent: { allOrNone: boolean; records: Record<string, unknown>[] } | undefined;
    const scope = describeLead(nock(INSTANCE))
      .patch(`${API}/composite/sobjects/Lead/Leadstage_External_Id__c`, (body: typeof sent) => {
        sent = body;
        return true;
      })
      .reply(200, fixture('collections-upsert-mixed.json') as nock.Body, LIMIT(11));
    const { sf } = connector();
    const result = await sf.handoff(['1', '2', '3', '4'].map((id) => handoffRecord(id)));
    scope.done();

    expect(sent?.allOrNone).toBe(false);
    expect(sent?.records[0]).toStrictEqual({
      attributes: { type: 'Lead' },
      Leadstage_External_Id__c: 'hubspot:1',
      Email: 'person.1@example.com',
      FirstName: 'Ada',
      LastName: 'Person 1',
      Company: 'Northwind Labs',
      Title: 'Head of Marketing',
      NumberOfEmployees: 250,
      Industry: 'Technology',
      Leadstage_Stage__c: 'Sales Qualified Lead',
      Leadstage_Contact_Score__c: 25,
      Leadstage_Activity_Score__c: 30,
      Leadstage_Engagement_Score__c: 10,
      Leadstage_Score__c: 65,
      Leadstage_Reason__c: 'SQL: meeting booked, budget approved; contact 25, activity 30, engagement 10',
    });
    // Never matched on email: the email is a plain field, the upsert key is the external id.
    expect(sent?.records.map((r) => r.Leadstage_External_Id__c)).toStrictEqual([
      'hubspot:1',
      'hubspot:2',
      'hubspot:3',
      'hubspot:4',
    ]);
    expect(result).toStrictEqual({
      ok: [
        { externalId: 'hubspot:1', crmId: '00Q5g00000AbCdEEAV', created: true },
        { externalId: 'hubspot:4', crmId: '00Q5g00000AbCdFEAV', created: false },
      ],
      failed: [
        {
          id: 'hubspot:2',
          code: 'REQUIRED_FIELD_MISSING',
          message: 'Required fields are missing: [Company]',
          retryable: false,
          fields: ['Company'],
        },
        {
          id: 'hubspot:3',
          code: 'DUPLICATE_VALUE',
          message:
            'duplicate value found: Leadstage_External_Id__c duplicates value on record with id: 00Q5g00000ZzYyXEAV',
          retryable: false,
        },
      ],
    });
  });

  it('sends 450 records as chunks of 200, 200 and 50', async () => {
    const sizes: number[] = [];
    let last: unknown[] = [];
    const scope = describeLead(nock(INSTANCE))
      .patch(`${API}/composite/sobjects/Lead/Leadstage_External_Id__c`, (body: { records: unknown[] }) => {
        last = body.records;
        return true;
      })
      .times(3)
      .reply(200, () => {
        sizes.push(last.length);
        return last.map((_r, i) => ({
          id: `00Q5g00000C${sizes.length}${String(i).padStart(3, '0')}`,
          success: true,
          errors: [],
          created: true,
        }));
      });
    const { sf } = connector();
    const result = await sf.handoff(Array.from({ length: 450 }, (_v, i) => handoffRecord(String(i))));
    scope.done();
    expect(sizes).toStrictEqual([200, 200, 50]);
    expect(result.ok).toHaveLength(450);
    expect(result.failed).toStrictEqual([]);
  });

  it('follows a converted Lead to its Contact instead of failing the record', async () => {
    let contactUpdate: { records: Record<string, unknown>[] } | undefined;
    const scope = describeLead(nock(INSTANCE))
      .patch(`${API}/composite/sobjects/Lead/Leadstage_External_Id__c`)
      .reply(200, fixture('collections-upsert-converted.json') as nock.Body, LIMIT(12))
      .get(`${API}/query`)
      .query(
        (q) =>
          q.q ===
          "SELECT Id, ConvertedContactId, Leadstage_External_Id__c FROM Lead WHERE IsConverted = true AND Leadstage_External_Id__c IN ('hubspot:8')",
      )
      .reply(200, fixture('query-converted-leads.json') as nock.Body, LIMIT(13))
      .get(`${API}/sobjects/Contact/describe`)
      .reply(200, fixture('describe-contact.json') as nock.Body, LIMIT(14))
      .patch(`${API}/composite/sobjects`, (body: typeof contactUpdate) => {
        contactUpdate = body;
        return true;
      })
      .reply(200, fixture('collections-update-contact.json') as nock.Body, LIMIT(15));
    const { sf } = connector();
    const result = await sf.handoff([handoffRecord('7'), handoffRecord('8')]);
    scope.done();
    expect(contactUpdate?.records).toHaveLength(1);
    expect(contactUpdate?.records[0]).toMatchObject({
      attributes: { type: 'Contact' },
      id: '0035g00000QwErTAAV',
      Leadstage_External_Id__c: 'hubspot:8',
      Leadstage_Stage__c: 'Sales Qualified Lead',
    });
    expect(contactUpdate?.records[0]).not.toHaveProperty('Company');
    expect(result).toStrictEqual({
      ok: [
        { externalId: 'hubspot:7', crmId: '00Q5g00000AbCdGEAV', created: false },
        {
          externalId: 'hubspot:8',
          crmId: '0035g00000QwErTAAV',
          created: false,
          contactId: '0035g00000QwErTAAV',
        },
      ],
      failed: [],
    });
  });
});

describe('session refresh', () => {
  it('refreshes once on INVALID_SESSION_ID, persists the new token and retries', async () => {
    const scope = nock(INSTANCE)
      .get(`${API}/sobjects/Lead/describe`)
      .matchHeader('authorization', 'Bearer old-access')
      .reply(401, fixture('error-invalid-session.json') as nock.Body, LIMIT(20))
      .post(
        '/services/oauth2/token',
        (body: Record<string, string>) =>
          body.grant_type === 'refresh_token' &&
          body.refresh_token === 'the-refresh-token' &&
          body.client_id === 'consumer-key',
      )
      .reply(200, fixture('token-refresh.json') as nock.Body)
      .get(`${API}/sobjects/Lead/describe`)
      .matchHeader('authorization', 'Bearer 00D5g000000SbXA!AQ4AQ.refreshed-access-token')
      .reply(200, fixture('describe-lead.json') as nock.Body, LIMIT(21))
      .get(`${API}/sobjects/Contact/describe`)
      .reply(200, fixture('describe-contact.json') as nock.Body, LIMIT(22));
    const { sf, ctx } = connector();
    const missing = await sf.ensureSchema({ stages: [], dimensions: ['contact', 'activity', 'engagement'] });
    scope.done();
    expect(missing).toStrictEqual([]);
    expect(ctx.credentials.saves).toBe(1);
    expect(ctx.credentials.current).toMatchObject({
      kind: 'oauth2',
      accessToken: '00D5g000000SbXA!AQ4AQ.refreshed-access-token',
      refreshToken: 'the-refresh-token',
      instanceUrl: INSTANCE,
    });
    expect(ctx.credentials.needsReconnect).toBeNull();
  });

  it('uses the token another worker refreshed meanwhile, without calling the token endpoint', async () => {
    const scope = nock(INSTANCE)
      .get(`${API}/sobjects/Lead/describe`)
      .matchHeader('authorization', 'Bearer old-access')
      .reply(401, fixture('error-invalid-session.json') as nock.Body)
      .get(`${API}/sobjects/Lead/describe`)
      .matchHeader('authorization', 'Bearer token-from-another-worker')
      .reply(200, fixture('describe-lead.json') as nock.Body)
      .get(`${API}/sobjects/Contact/describe`)
      .reply(200, fixture('describe-contact.json') as nock.Body);
    const { sf, ctx } = connector();
    // The connector reads the stored credentials as the call starts...
    const opening = sf.ensureSchema({ stages: [], dimensions: [] });
    // ...and by the time its token is refused, another worker has refreshed and saved a new one.
    ctx.credentials.current = {
      ...ctx.credentials.current,
      accessToken: 'token-from-another-worker',
    } as typeof ctx.credentials.current;
    await expect(opening).resolves.toStrictEqual([]);
    scope.done();
    expect(ctx.credentials.saves).toBe(0);
  });

  it('a session refused again right after a refresh marks the connection for reconnect', async () => {
    const scope = nock(INSTANCE)
      .get(`${API}/sobjects/Lead/describe`)
      .times(2)
      .reply(401, fixture('error-invalid-session.json') as nock.Body)
      .post('/services/oauth2/token')
      .once()
      .reply(200, fixture('token-refresh.json') as nock.Body);
    const { sf, ctx } = connector();
    const err: unknown = await sf.ensureSchema({ stages: [], dimensions: [] }).catch((e: unknown) => e);
    scope.done();
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('invalid_session');
    expect(ctx.credentials.needsReconnect).toMatch(/refused the session again/);
  });

  it('a token endpoint that is down is a retryable TransientError, not a reconnect', async () => {
    const scope = nock(INSTANCE)
      .get(`${API}/sobjects/Lead/describe`)
      .reply(401, fixture('error-invalid-session.json') as nock.Body)
      .post('/services/oauth2/token')
      .reply(503, 'Service Unavailable');
    const { sf, ctx } = connector();
    const err: unknown = await sf.ensureSchema({ stages: [], dimensions: [] }).catch((e: unknown) => e);
    scope.done();
    expect(err).toBeInstanceOf(TransientError);
    expect(ctx.credentials.needsReconnect).toBeNull();
  });

  it('a refused refresh token is an AuthError that names no secret', async () => {
    const scope = nock(INSTANCE)
      .get(`${API}/sobjects/Lead/describe`)
      .reply(401, fixture('error-invalid-session.json') as nock.Body)
      .post('/services/oauth2/token')
      .reply(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    const { sf, ctx } = connector();
    const err: unknown = await sf.ensureSchema({ stages: [], dimensions: [] }).catch((e: unknown) => e);
    scope.done();
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('invalid_grant');
    expect((err as Error).message).not.toMatch(/the-refresh-token|old-access|consumer-secret/);
    expect(ctx.credentials.needsReconnect).toBeTruthy();
  });
});

describe('API limits', () => {
  it('stops before the next call once the configured share of the daily limit is used', async () => {
    const scope = describeLead(nock(INSTANCE), 4_000)
      .patch(`${API}/composite/sobjects/Lead/Leadstage_External_Id__c`)
      .reply(
        200,
        [{ id: '00Q5g00000AbCdEEAV', success: true, errors: [], created: true }],
        LIMIT(5_000, 10_000),
      );
    const { sf, ctx } = connector({ apiShare: 0.5 });
    await expect(sf.handoff([handoffRecord('1')])).resolves.toMatchObject({ failed: [] });
    scope.done();
    expect(sf.apiUsage()).toStrictEqual({ used: 5_000, limit: 10_000 });
    // The run's summary and /metrics hear what is left, call by call.
    expect(ctx.budgets.at(-1)).toStrictEqual({ remaining: 5_000, limit: 10_000 });
    // No interceptor is left: a request would fail differently than with ApiLimitExceededError.
    const err: unknown = await sf.handoff([handoffRecord('2')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiLimitExceededError);
    expect((err as Error).message).toMatch(/5000 of 10000 .* 50% \(5000\)/);
  });

  it('REQUEST_LIMIT_EXCEEDED (a 403) stops the run with ApiLimitExceededError', async () => {
    const scope = describeLead(nock(INSTANCE))
      .patch(`${API}/composite/sobjects/Lead/Leadstage_External_Id__c`)
      .reply(403, fixture('error-request-limit.json') as nock.Body, LIMIT(100_000));
    const { sf } = connector();
    await expect(sf.handoff([handoffRecord('1')])).rejects.toBeInstanceOf(ApiLimitExceededError);
    scope.done();
  });

  it('parses Sforce-Limit-Info, with or without api-bursts', () => {
    expect(parseLimitInfo('api-usage=10018/100000')).toStrictEqual({ used: 10018, limit: 100000 });
    expect(parseLimitInfo('api-usage=1/15000; api-bursts=1/750')).toStrictEqual({ used: 1, limit: 15000 });
    expect(parseLimitInfo(undefined)).toBeUndefined();
  });
});

describe('pullSalesOutcomes', () => {
  const LEADS_SOQL =
    'SELECT Id, Leadstage_External_Id__c, Status, IsConverted, ConvertedContactId, ConvertedOpportunityId, LastModifiedDate ' +
    'FROM Lead WHERE Leadstage_External_Id__c != null ORDER BY LastModifiedDate, Id LIMIT 200';
  const OPPS_SOQL =
    'SELECT Id, StageName, Amount, CloseDate, IsWon, IsClosed, ContactId, LastModifiedDate FROM Opportunity ORDER BY LastModifiedDate, Id LIMIT 200';

  it('maps Lead status and conversion, and ties Opportunities back through the Lead or the Contact', async () => {
    const scope = nock(INSTANCE)
      .get(`${API}/query`)
      .query({ q: LEADS_SOQL })
      .reply(200, fixture('query-leads.json') as nock.Body)
      .get(`${API}/query`)
      .query({ q: OPPS_SOQL })
      .reply(200, fixture('query-opportunities.json') as nock.Body)
      .get(`${API}/query`)
      .query({
        q: "SELECT Id, Leadstage_External_Id__c, ConvertedOpportunityId FROM Lead WHERE ConvertedOpportunityId IN ('0065g00000OpPoRAAV', '0065g00000OpPoSAAV', '0065g00000OpPoTAAV')",
      })
      .reply(200, fixture('query-leads-by-opportunity.json') as nock.Body)
      .get(`${API}/query`)
      .query({
        q: "SELECT Id, Leadstage_External_Id__c FROM Contact WHERE Id IN ('0035g00000QwErUAAV') AND Leadstage_External_Id__c != null",
      })
      .reply(200, fixture('query-contacts-by-id.json') as nock.Body);
    const { sf } = connector();
    const { records, cursor, pages } = await collectPages(sf.pullSalesOutcomes(null));
    scope.done();
    expect(pages).toBe(2);
    expect(records).toStrictEqual([
      {
        externalId: 'hubspot:1',
        crmObject: 'Lead',
        crmId: '00Q5g00000AbCdEEAV',
        facts: { sales_status: 'working' },
        modifiedAt: '2026-11-20T09:00:00.000+0000',
      },
      {
        externalId: 'hubspot:2',
        crmObject: 'Lead',
        crmId: '00Q5g00000AbCdFEAV',
        facts: { sales_status: 'converted' },
        convertedContactId: '0035g00000QwErTAAV',
        convertedOpportunityId: '0065g00000OpPoRAAV',
        modifiedAt: '2026-11-20T09:00:00.000+0000',
      },
      {
        externalId: 'hubspot:2',
        crmObject: 'Opportunity',
        crmId: '0065g00000OpPoRAAV',
        facts: { sales_opportunity: 'won', sales_amount: 24000, sales_close_date: '2026-12-15' },
        modifiedAt: '2026-11-21T10:30:00.000+0000',
      },
      {
        externalId: 'hubspot:3',
        crmObject: 'Opportunity',
        crmId: '0065g00000OpPoSAAV',
        facts: { sales_opportunity: 'open', sales_amount: 12000, sales_close_date: '2027-01-31' },
        modifiedAt: '2026-11-21T11:00:00.000+0000',
      },
    ]);
    expect(cursor).toStrictEqual({
      leadsModifiedAt: '2026-11-20T09:00:00.000+0000',
      leadsLastId: '00Q5g00000AbCdFEAV',
      opportunitiesModifiedAt: '2026-11-21T12:00:00.000+0000',
      opportunitiesLastId: '0065g00000OpPoTAAV',
    });
  });

  it('already up to date: the keyset cursor goes into the SOQL and no page comes back', async () => {
    const after =
      "(LastModifiedDate > 2026-11-20T09:00:00Z OR (LastModifiedDate = 2026-11-20T09:00:00Z AND Id > '00Q5g00000AbCdFEAV'))";
    const scope = nock(INSTANCE)
      .get(`${API}/query`)
      .query({ q: LEADS_SOQL.replace('!= null ORDER', `!= null AND ${after} ORDER`) })
      .reply(200, { totalSize: 0, done: true, records: [] })
      .get(`${API}/query`)
      .query({ q: OPPS_SOQL.replace(' ORDER', ' WHERE LastModifiedDate > 2999-01-01T00:00:00Z ORDER') })
      .reply(200, { totalSize: 0, done: true, records: [] });
    const { sf } = connector();
    const out = await collectPages(
      sf.pullSalesOutcomes({
        leadsModifiedAt: '2026-11-20T09:00:00.000+0000',
        leadsLastId: '00Q5g00000AbCdFEAV',
        opportunitiesModifiedAt: '2999-01-01T00:00:00.000Z',
        opportunitiesLastId: null,
      }),
    );
    scope.done();
    expect(out).toStrictEqual({ records: [], cursor: null, pages: 0 });
  });
});

describe('schema check', () => {
  it('says in words what to create or change', async () => {
    const scope = nock(INSTANCE)
      .get(`${API}/sobjects/Lead/describe`)
      .reply(200, fixture('describe-lead-incomplete.json') as nock.Body)
      .get(`${API}/sobjects/Contact/describe`)
      .reply(200, fixture('describe-contact.json') as nock.Body);
    const { sf } = connector();
    const missing = await sf.ensureSchema({ stages: [], dimensions: ['contact', 'activity', 'engagement'] });
    scope.done();
    expect(missing).toStrictEqual([
      'Lead.Leadstage_External_Id__c is not "Unique": check Unique so Salesforce itself refuses duplicates',
      'Lead.Leadstage_Reason__c is missing: create a Text(255) field labelled "Leadstage Reason" named Leadstage_Reason__c',
      'Lead.Leadstage_Engagement_Score__c is missing: create a Number(6, 0) field labelled "Leadstage engagement score" named Leadstage_Engagement_Score__c',
      'Lead.Leadstage_Score__c is a string field; scores need a Number field',
    ]);
  });
});

describe('OAuth web server flow', () => {
  const app = { ...APP, redirectUri: 'https://leadstage.example/oauth/salesforce/callback' };

  it('builds the authorize URL with state, scopes and the PKCE challenge', () => {
    const url = new URL(
      salesforceConnector.oauth.authorizeUrl(app, { state: 'st-123', codeChallenge: 'ch_abc' }),
    );
    expect(url.origin + url.pathname).toBe('https://login.salesforce.com/services/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toStrictEqual({
      response_type: 'code',
      client_id: 'consumer-key',
      redirect_uri: app.redirectUri,
      scope: 'api refresh_token',
      state: 'st-123',
      code_challenge: 'ch_abc',
    });
  });

  it('exchanges the code with the verifier and takes instance_url as the API base', async () => {
    const scope = nock('https://login.salesforce.com')
      .post(
        '/services/oauth2/token',
        (body: Record<string, string>) =>
          body.grant_type === 'authorization_code' &&
          body.code === 'the-code' &&
          body.code_verifier === 'the-verifier' &&
          body.redirect_uri === app.redirectUri,
      )
      .reply(200, fixture('token-authorization-code.json') as nock.Body);
    const out = await salesforceConnector.oauth.exchangeCode(app, {
      code: 'the-code',
      codeVerifier: 'the-verifier',
    });
    scope.done();
    expect(out.baseUrl).toBe(INSTANCE);
    expect(out.accountId).toBe('00D5g000000SbXAEAS');
    expect(out.credentials).toMatchObject({
      kind: 'oauth2',
      accessToken: '00D5g000000SbXA!AQ4AQ.first-access-token',
      refreshToken: '5Aep861first-refresh-token',
      instanceUrl: INSTANCE,
      scopes: ['refresh_token', 'api'],
    });
  });

  it('a refused code becomes AuthError(invalid_grant) without echoing the code', async () => {
    const scope = nock('https://login.salesforce.com')
      .post('/services/oauth2/token')
      .reply(400, { error: 'invalid_grant', error_description: 'invalid code verifier' });
    const err: unknown = await salesforceConnector.oauth
      .exchangeCode(app, { code: 'secret-code', codeVerifier: 'v' })
      .catch((e: unknown) => e);
    scope.done();
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('invalid_grant');
    expect((err as Error).message).not.toContain('secret-code');
  });

  it('revokes the refresh token on disconnect', async () => {
    const scope = nock(INSTANCE)
      .post('/services/oauth2/revoke', 'token=5Aep861first-refresh-token')
      .reply(200);
    await salesforceConnector.oauth.revoke!(
      app,
      { kind: 'oauth2', accessToken: 'a', refreshToken: '5Aep861first-refresh-token', instanceUrl: INSTANCE },
      INSTANCE,
    );
    scope.done();
    expect(scope.isDone()).toBe(true);
  });
});

describe('Bulk API result errors', () => {
  it.each([
    [
      'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --',
      {
        errorCode: 'REQUIRED_FIELD_MISSING',
        message: 'Required fields are missing: [LastName]',
        fields: ['LastName'],
      },
    ],
    [
      'CANNOT_UPDATE_CONVERTED_LEAD:cannot reference converted lead: --',
      // `CODE:message:fields --` with no fields: the last colon is the separator, not the message's.
      { errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead' },
    ],
    ['something odd', { errorCode: 'UNKNOWN_ERROR', message: 'something odd' }],
  ])('%s', (text, expected) => {
    expect(parseBulkError(text)).toStrictEqual(expected);
  });
});
