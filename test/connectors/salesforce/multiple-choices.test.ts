/**
 * An external id that matches several records (an org whose external id field is not Unique): "If
 * the external ID matches multiple existing records, then a 300 error is returned, and no records
 * are created or updated", with "the list of matching records" (REST API Developer Guide,
 * resources_sobject_upsert_patch; API-NOTES §2.3). The sandbox answers so, jsforce unchanged reads
 * it, and the connector reports the record as failed, naming the matches, whichever path it took.
 */
import { Connection } from 'jsforce';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { createSalesforceConnector } from '../../../connectors/salesforce/index.ts';
import { SALESFORCE_API_VERSION } from '../../../connectors/salesforce/config.ts';
import { recordFailure } from '../../../connectors/salesforce/results.ts';
import { leadstageCustomFields } from '../../../connectors/salesforce/sandbox/schema.ts';
import { SANDBOX_OAUTH_APP } from '../../../connectors/sandbox-types.ts';
import {
  handoffRecord,
  type RunningSandbox,
  sandboxCredentials,
  startSandbox,
  testContext,
} from './helpers.ts';

const EXT = 'Leadstage_External_Id__c';
let running: RunningSandbox;
/** The two Leads that share the external id `hubspot:7`. */
let twins: string[];

beforeEach(async () => {
  running = await startSandbox();
  // An External ID field created without the Unique attribute lets two records share a value.
  const field = leadstageCustomFields().find((f) => f.name === EXT)!;
  running.sandbox.faults.removeField('Lead', EXT);
  running.sandbox.faults.addField('Lead', { ...field, unique: false });
  twins = ['One', 'Two'].map((name) =>
    running.sandbox.enterRecord('Lead', { LastName: name, Company: 'Twin Co', [EXT]: 'hubspot:7' }),
  );
});
afterEach(async () => {
  await running.close();
});

const leadsWith = (value: string) => running.sandbox.records('Lead').filter((l) => l[EXT] === value);

it('should answer a single-record upsert with 300 and the matching records, writing nothing', async () => {
  const token = running.sandbox.oauth.issueTokens();
  const conn = new Connection({
    instanceUrl: token.instance_url,
    accessToken: token.access_token,
    version: SALESFORCE_API_VERSION,
  });
  const answer = conn
    .sobject('Lead')
    .upsert({ [EXT]: 'hubspot:7', LastName: 'Three', Company: 'Twin Co' }, EXT);
  // jsforce's http-api turns a 300 into this error, the answer's body in `data`.
  await expect(answer).rejects.toMatchObject({
    errorCode: 'MULTIPLE_CHOICES',
    data: twins.map((id) => `/services/data/v${SALESFORCE_API_VERSION}/sobjects/Lead/${id}`),
  });
  expect(leadsWith('hubspot:7').map((l) => l.LastName)).toStrictEqual(['One', 'Two']);

  // What the connector makes of that error: a record failure naming both matches.
  const error = (await answer.then(
    () => expect.fail('the upsert should have been refused'),
    (err: unknown) => err,
  )) as { errorCode: string; message: string; data: unknown };
  expect(recordFailure('hubspot:7', error)).toStrictEqual({
    id: 'hubspot:7',
    code: 'MULTIPLE_CHOICES',
    message: `external id hubspot:7 matches 2 Salesforce records (${twins.join(', ')}): merge them, or clear the external id on all but one, and the next sync writes it`,
    retryable: false,
  });
});

it.each([
  ['sObject Collections', {}],
  ['Bulk API 2.0', { bulkThreshold: 1, bulkPollIntervalMs: 10 }],
])('should fail only the ambiguous record of a handoff through %s, naming its matches', async (_, config) => {
  const ctx = testContext(sandboxCredentials(running.sandbox), running.url, config);
  const sf = createSalesforceConnector(ctx, { app: SANDBOX_OAUTH_APP });
  const result = await sf.handoff([handoffRecord('7'), handoffRecord('8')]);
  expect(result.ok.map((o) => o.externalId)).toStrictEqual(['hubspot:8']);
  expect(result.failed).toStrictEqual([
    {
      id: 'hubspot:7',
      code: 'MULTIPLE_CHOICES',
      message: `external id hubspot:7 matches 2 Salesforce records (${twins.join(', ')}): merge them, or clear the external id on all but one, and the next sync writes it`,
      retryable: false,
    },
  ]);
  // Neither twin was touched; the other record was written.
  expect(leadsWith('hubspot:7').map((l) => l.LastName)).toStrictEqual(['One', 'Two']);
  expect(leadsWith('hubspot:8')).toHaveLength(1);
});
