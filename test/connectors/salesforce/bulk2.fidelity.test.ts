/**
 * The Salesforce sandbox driven by jsforce's own Bulk API 2.0 support, as the connector uses it:
 * `bulk2.loadAndWaitForResults` builds its URLs from the instance origin, so this passes only when
 * the sandbox serves its resources at the host root, as Salesforce does.
 * @see https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm
 */
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SALESFORCE_API_VERSION } from '../../../connectors/salesforce/config.ts';
import { createSalesforceSandbox } from '../../../connectors/salesforce/sandbox/index.ts';
import { startSandbox, type RunningSandbox } from './helpers.ts';

let run: RunningSandbox;

beforeAll(async () => {
  run = await startSandbox();
});

afterAll(async () => {
  await run.close();
});

describe('when jsforce loads records through Bulk API 2.0 against the sandbox', () => {
  it('should upsert by external id and report successes, failures and created flags', async () => {
    const token = run.sandbox.oauth.issueTokens();
    expect(new URL(token.instance_url).pathname).toBe('/');
    const conn = new Connection({
      instanceUrl: token.instance_url,
      accessToken: token.access_token,
      version: SALESFORCE_API_VERSION,
    });
    const results = await conn.bulk2.loadAndWaitForResults({
      object: 'Lead',
      operation: 'upsert',
      externalIdFieldName: 'Leadstage_External_Id__c',
      input: [
        { Leadstage_External_Id__c: 'mautic:1', LastName: 'One', Company: 'Acme' },
        { Leadstage_External_Id__c: 'mautic:2', LastName: '', Company: 'Acme' },
      ],
      pollInterval: 10,
      pollTimeout: 10_000,
    });
    expect(results.successfulResults).toHaveLength(1);
    expect(results.successfulResults[0]).toMatchObject({ sf__Created: 'true' });
    // LastName is required on Lead: the row fails with REQUIRED_FIELD_MISSING.
    expect(results.failedResults).toHaveLength(1);
    expect(results.failedResults[0]!.sf__Error).toMatch(/^REQUIRED_FIELD_MISSING/);
    expect(run.sandbox.records('Lead').filter((r) => r.Leadstage_External_Id__c === 'mautic:1')).toHaveLength(
      1,
    );
  });
});

describe('when the sandbox is given an address under a path', () => {
  it('should refuse it: an instance answers at its root, and bulk2 would miss a mounted one', () => {
    expect(() =>
      createSalesforceSandbox({ seed: 1, contacts: 0, publicUrl: 'http://127.0.0.1:4010/salesforce' }),
    ).toThrow(
      'the Salesforce sandbox must be served at a host root, like an instance: got http://127.0.0.1:4010/salesforce',
    );
    expect(() =>
      createSalesforceSandbox({ seed: 1, contacts: 0, publicUrl: 'http://127.0.0.1:4011/' }),
    ).not.toThrow();
  });
});
