/**
 * Accounts through the real HubSpot and Salesforce sandboxes: contacts roll up to the company
 * HubSpot associates them with (even from a mailbox provider's address), else to their email
 * domain; the account's dimensions (the sum of its contacts' engagement, fit from the company's
 * employees) gate the SQL stage; on a Contact handoff the Salesforce Account carries the account
 * score, is updated when it changes, and is never duplicated. Expected values by hand: 30 points
 * per approved budget; fit 20 for a company of ≥ 1,000 employees.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { builtinConnectors } from '../../connectors/builtin.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import { runSync } from '../../src/pipeline/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';

import { modelWorkspace } from './helpers.ts';

const MODEL_TEXT = `
name: accounts e2e
dimensions: [engagement]
accounts:
  dimensions:
    - { key: engagement, sum: engagement }
    - key: fit
      fit:
        - { when: { property: company_employees, gte: 1000 }, points: 20 }
stages:
  - key: lead
  - key: sql
    handoff: true
    requires: { account: engagement, gte: 50 }
scoring:
  - { dimension: engagement, when: { property: budget, equals: approved }, points: 30 }
`;

let t: TestStore;
let sandbox: SandboxServer | undefined;
beforeAll(async () => {
  t = await openTestStore('postgres');
});
afterAll(async () => {
  await t.cleanup();
});
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function world(vendor: 'hubspot' | 'mautic' = 'hubspot') {
  sandbox = await startSandboxServer({ port: 0, contacts: 0, seed: 3 });
  const ws = await modelWorkspace(t.store, sandbox, {
    modelText: MODEL_TEXT,
    ref: 'accounts-e2e.yaml',
    namePrefix: 'accounts',
    vendor,
    crmConfig: { handoffObject: 'Contact' },
  });
  const registry = createRegistry(await builtinConnectors());
  const sync = () =>
    runSync({
      store: t.store,
      registry,
      limiter: new MemoryRateLimiter(),
      log: silentLogger,
      workspace: ws.id,
    });
  return {
    hubspot: sandbox.hubspot,
    mautic: sandbox.mautic,
    salesforce: sandbox.salesforce,
    workspaceId: ws.id,
    sync,
  };
}

describe('when HubSpot associates contacts with companies', () => {
  it('should roll them up to the company, gate SQL on it, and score the one Salesforce Account', async () => {
    const w = await world();
    const book = w.hubspot.portal.companies;
    const acme = book.add(
      { name: 'Acme Corp', domain: 'acme.example', numberofemployees: '2000' },
      Date.now(),
    );
    const globex = book.add(
      { name: 'Globex', domain: 'globex.example', numberofemployees: '40' },
      Date.now(),
    );
    const contact = (email: string, budget: string, company?: string) => {
      const id = w.hubspot.addContact({ email, lastname: email.split('@')[0]!, bant_budget: budget });
      if (company) book.associate(id, company);
      return id;
    };
    // a1 writes from a mailbox provider: only the association puts it at Acme.
    const a1 = contact('a1@gmail.com', 'approved', acme);
    const a2 = contact('a2@acme.example', 'approved', acme);
    const g1 = contact('g1@globex.example', 'approved', globex);
    const n1 = contact('n1@initech.example', 'approved');

    const first = await w.sync();
    expect(first.errors).toStrictEqual([]);
    const accounts = await t.store.accounts.list(w.workspaceId);
    expect(accounts).toStrictEqual([
      { id: `company:${acme}`, name: 'Acme Corp', scores: { engagement: 60, fit: 20 } },
      { id: `company:${globex}`, name: 'Globex', scores: { engagement: 30, fit: 0 } },
      { id: 'domain:initech.example', name: 'initech.example', scores: { engagement: 30, fit: 0 } },
    ]);
    const stages = async () =>
      Object.fromEntries(
        [...(await t.store.decisions.forContacts(w.workspaceId, [a1, a2, g1, n1]))].map(([id, d]) => [
          id,
          d.stage,
        ]),
      );
    expect(await stages()).toStrictEqual({ [a1]: 'sql', [a2]: 'sql', [g1]: 'lead', [n1]: 'lead' });

    const acmeAccounts = () => w.salesforce.records('Account').filter((a) => a.Name === 'Acme Corp');
    const contacts = () => w.salesforce.records('Contact').filter((c) => c.Leadstage_External_Id__c);
    expect(acmeAccounts()).toHaveLength(1);
    expect(acmeAccounts()[0]).toMatchObject({
      Leadstage_Engagement_Score__c: 60,
      Leadstage_Fit_Score__c: 20,
    });
    expect(contacts().map((c) => c.AccountId)).toStrictEqual([acmeAccounts()[0]!.Id, acmeAccounts()[0]!.Id]);

    // A third Acme contact approves a budget: Acme's engagement is 90, and its Account follows
    // though a1's and a2's own scores did not move.
    contact('a3@acme.example', 'approved', acme);
    const second = await w.sync();
    expect(second.errors).toStrictEqual([]);
    expect(second.handedOff).toBe(3);
    expect(acmeAccounts()).toHaveLength(1);
    expect(acmeAccounts()[0]).toMatchObject({
      Leadstage_Engagement_Score__c: 90,
      Leadstage_Fit_Score__c: 20,
    });
    expect(contacts()).toHaveLength(3);

    // Nothing changed: nothing is handed off again.
    expect((await w.sync()).handedOff).toBe(0);
  });
});

describe('when Mautic contacts name their primary company', () => {
  it('should roll them up to the Mautic company, with its firmographics, and score its Salesforce Account', async () => {
    const w = await world('mautic');
    const acme = w.mautic.addCompany({
      companyname: 'Acme Corp',
      companywebsite: 'https://www.acme.example',
      companynumber_of_employees: 2000,
    });
    const globex = w.mautic.addCompany({ companyname: 'Globex', companynumber_of_employees: 40 });
    const contact = (email: string, company: string | null) =>
      String(
        w.mautic.addContact({ email, lastname: email.split('@')[0]!, company, bant_budget: 'approved' }),
      );
    const a1 = contact('a1@gmail.com', 'Acme Corp');
    const a2 = contact('a2@acme.example', 'Acme Corp');
    const g1 = contact('g1@globex.example', 'Globex');
    const n1 = contact('n1@initech.example', null);

    const first = await w.sync();
    expect(first.errors).toStrictEqual([]);
    expect(await t.store.accounts.list(w.workspaceId)).toStrictEqual([
      { id: `company:${acme}`, name: 'Acme Corp', scores: { engagement: 60, fit: 20 } },
      { id: `company:${globex}`, name: 'Globex', scores: { engagement: 30, fit: 0 } },
      { id: 'domain:initech.example', name: 'initech.example', scores: { engagement: 30, fit: 0 } },
    ]);
    const stored = await t.store.contacts.get(w.workspaceId, a1);
    expect(stored?.properties).toMatchObject({
      company_id: String(acme),
      company: 'Acme Corp',
      company_domain: 'acme.example',
      company_employees: 2000,
    });
    const decisions = await t.store.decisions.forContacts(w.workspaceId, [a1, a2, g1, n1]);
    expect([a1, a2, g1, n1].map((id) => decisions.get(id)?.stage)).toStrictEqual([
      'sql',
      'sql',
      'lead',
      'lead',
    ]);
    const accounts = w.salesforce.records('Account').filter((a) => a.Name === 'Acme Corp');
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ Leadstage_Engagement_Score__c: 60, Leadstage_Fit_Score__c: 20 });
  });
});

// The Salesforce Account is keyed by leadstage's account id, namespaced by the source portal like the
// contacts' external ids (`hubspot:<portal>:<account id>`); the sandbox portal's id is `sandbox`.
describe('when the contacts of one account typed its name differently', () => {
  const ACCOUNT = 'hubspot:sandbox:company:initech corp';
  // Both texts roll up to `company:initech corp` (case and spacing folded); Salesforce names differ.
  const TEXTS = ['Initech Corp', 'initech  corp'];

  async function initech() {
    const w = await world();
    const contact = (email: string, company?: string) =>
      w.hubspot.addContact({
        email,
        lastname: email.split('@')[0]!,
        bant_budget: 'approved',
        ...(company ? { company } : {}),
      });
    const keyed = (id: string) =>
      w.salesforce.records('Account').filter((a) => a.Leadstage_Account_Id__c === id);
    const contactsOf = (accountId: string) =>
      w.salesforce.records('Contact').filter((c) => c.Leadstage_External_Id__c && c.AccountId === accountId);
    return { w, contact, keyed, contactsOf };
  }

  it('should file them under one Account that carries the account score, and update it later', async () => {
    const { w, contact, keyed, contactsOf } = await initech();
    const before = w.salesforce.records('Account').length;
    contact('x1@initech.example', TEXTS[0]);
    contact('x2@initech.example', TEXTS[1]);
    // No company text: the account is the email domain, named after it.
    contact('d1@hooli.example');
    contact('d2@hooli.example');

    const first = await w.sync();
    expect(first.errors).toStrictEqual([]);
    expect(first.handedOff).toBe(4);
    // One Account per account: Initech and hooli.example, nothing else.
    expect(w.salesforce.records('Account')).toHaveLength(before + 2);
    const [account] = keyed(ACCOUNT);
    expect(keyed(ACCOUNT)).toHaveLength(1);
    expect(TEXTS).toContain(account!.Name);
    // Two approved budgets, 30 points each; no company size, so no fit points.
    expect(account).toMatchObject({ Leadstage_Engagement_Score__c: 60, Leadstage_Fit_Score__c: 0 });
    expect(contactsOf(String(account!.Id))).toHaveLength(2);
    const [hooli] = keyed('hubspot:sandbox:domain:hooli.example');
    expect(hooli).toMatchObject({ Name: 'hooli.example', Leadstage_Engagement_Score__c: 60 });
    expect(contactsOf(String(hooli!.Id))).toHaveLength(2);

    // A third spelling joins later: the same Account follows, 90 = 3 × 30.
    contact('x3@initech.example', 'INITECH CORP');
    const second = await w.sync();
    expect(second.errors).toStrictEqual([]);
    expect(keyed(ACCOUNT)).toHaveLength(1);
    expect(keyed(ACCOUNT)[0]).toMatchObject({ Id: account!.Id, Leadstage_Engagement_Score__c: 90 });
    expect(contactsOf(String(account!.Id))).toHaveLength(3);
    expect(w.salesforce.records('Account')).toHaveLength(before + 2);
    // x1 and x2 are re-handed (their account moved) and certainly written directly: their one
    // account is at least one query by account id. (x3, matched on email first, may not be.)
    expect(second.minimumApiCallsByStream['salesforce accounts']).toBe(1);
  });

  it('should adopt an Account of that name without an account id, never one that has another', async () => {
    const { w, contact, keyed, contactsOf } = await initech();
    // Another portal's account on the same org, with one of the names: never taken.
    const other = w.salesforce.enterRecord('Account', {
      Name: TEXTS[1],
      Leadstage_Account_Id__c: 'hubspot:other-portal:company:initech corp',
    });
    const existing = w.salesforce.enterRecord('Account', { Name: 'Initech Corp' });
    const before = w.salesforce.records('Account').length;
    contact('x1@initech.example', TEXTS[0]);
    contact('x2@initech.example', TEXTS[1]);

    const first = await w.sync();
    expect(first.errors).toStrictEqual([]);
    expect(w.salesforce.records('Account')).toHaveLength(before);
    expect(keyed(ACCOUNT)).toStrictEqual([
      expect.objectContaining({ Id: existing, Name: 'Initech Corp', Leadstage_Engagement_Score__c: 60 }),
    ]);
    expect(contactsOf(existing)).toHaveLength(2);
    const untouched = w.salesforce.records('Account').find((a) => a.Id === other)!;
    expect(untouched.Leadstage_Account_Id__c).toBe('hubspot:other-portal:company:initech corp');
    expect(untouched.Leadstage_Engagement_Score__c ?? null).toBeNull();
    expect(contactsOf(other)).toHaveLength(0);
  });
});
