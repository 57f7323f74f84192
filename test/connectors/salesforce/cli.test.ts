/** `leadstage salesforce check` against the sandbox. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runSalesforceCheck } from '../../../src/cli/salesforce.ts';
import { type RunningSandbox, startSandbox } from './helpers.ts';

let running: RunningSandbox;
beforeEach(async () => {
  running = await startSandbox();
});
afterEach(async () => {
  await running.close();
});

describe('leadstage salesforce check', () => {
  it('prints what to create and exits 1 when fields are missing, 0 once they exist', async () => {
    const accessToken = running.sandbox.oauth.issueTokens().access_token;
    running.sandbox.faults.removeField('Contact', 'Leadstage_External_Id__c');
    const lines: string[] = [];
    const code = await runSalesforceCheck(
      { instanceUrl: running.url, accessToken, object: 'Lead', dimensions: ['contact', 'fit', 'budget'] },
      (l) => lines.push(l),
    );
    expect(code).toBe(1);
    expect(lines).toStrictEqual([
      `Salesforce ${running.url}: 3 things to set up (Setup → Object Manager):`,
      '  - Lead.Leadstage_Budget_Score__c is missing: create a Number(6, 0) field labelled "Leadstage budget score" named Leadstage_Budget_Score__c',
      '  - Contact.Leadstage_External_Id__c is missing: create a Text(255) field with "External ID" and "Unique" checked labelled "Leadstage External Id" named Leadstage_External_Id__c',
      '  - Contact.Leadstage_Budget_Score__c is missing: create a Number(6, 0) field labelled "Leadstage budget score" named Leadstage_Budget_Score__c',
    ]);
    const ok: string[] = [];
    expect(
      await runSalesforceCheck({ sandbox: true, object: 'Contact', dimensions: ['contact'] }, (l) =>
        ok.push(l),
      ),
    ).toBe(0);
    expect(ok[0]).toMatch(/every field leadstage writes exists \(Contact handoff, dimensions contact\)/);
  });

  it('names the Account fields a Contact handoff of a model with accounts writes', async () => {
    const accessToken = running.sandbox.oauth.issueTokens().access_token;
    running.sandbox.faults.removeField('Account', 'Leadstage_Account_Id__c');
    const lines: string[] = [];
    const options = {
      instanceUrl: running.url,
      accessToken,
      object: 'Contact' as const,
      dimensions: ['engagement'],
    };
    expect(
      await runSalesforceCheck({ ...options, accountDimensions: ['engagement', 'budget'] }, (l) =>
        lines.push(l),
      ),
    ).toBe(1);
    expect(lines.slice(1)).toStrictEqual([
      '  - Account.Leadstage_Account_Id__c is missing: create a Text(255) field with "External ID" and "Unique" checked labelled "Leadstage Account Id" named Leadstage_Account_Id__c',
      '  - Account.Leadstage_Budget_Score__c is missing: create a Number(6, 0) field labelled "Leadstage budget score" named Leadstage_Budget_Score__c',
    ]);
    // Without account dimensions the Account is not the handoff's business.
    expect(await runSalesforceCheck(options, () => undefined)).toBe(0);
  });

  it('asks for credentials when it has none', async () => {
    const lines: string[] = [];
    expect(await runSalesforceCheck({ object: 'Lead', dimensions: [] }, (l) => lines.push(l))).toBe(2);
    expect(lines[0]).toMatch(/needs --instance-url/);
  });
});
