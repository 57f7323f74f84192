/**
 * The README's first command, minus the terminal: both demo sources end with a drawn funnel,
 * handed-off leads, closed-loop moves and API calls against their minimum.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { DEMO_WORKSPACE, runDemo } from '../../src/demo/run-demo.ts';
import { silentLogger } from '../../src/log.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';

let t: TestStore | undefined;

afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe.each(['hubspot', 'mautic'] as const)('the demo from the %s sandbox', (source) => {
  it('syncs, plays sales, closes the loop and draws the funnel, leaving the workspace to try next', async () => {
    t = await openTestStore('pglite');
    const lines: string[] = [];
    const result = await runDemo({
      store: t.store,
      source,
      contacts: 500,
      seed: 42,
      port: 0,
      salesShare: 1,
      log: silentLogger,
      out: (line = '') => lines.push(line),
    });
    const text = lines.join('\n');
    expect(result.first.handedOff).toBeGreaterThan(0);
    expect(result.second.pulled.salesOutcomes).toBeGreaterThan(0);
    // Every handed-off lead was worked (share 1): some converted and won, some disqualified.
    expect(Object.keys(result.second.stageChanges)).toEqual(expect.arrayContaining(['customer', 'lead']));
    expect(text).toMatch(/^Funnel of the demo workspace \(hubspot-lifecycle\): 500 contacts$/m);
    expect(text).toMatch(/^Subscriber +█+/m);
    expect(text).toMatch(/^Forecast: \$[\d,]+ expected/m);
    expect(text).toMatch(new RegExp(`first sync +${source} \\d+ / \\d+, salesforce \\d+ / \\d+`));
    // The Salesforce sandbox reports its daily allowance in Sforce-Limit-Info, as the org would.
    expect(text).toMatch(/^ {2}left today .*salesforce [\d,]+ of [\d,]+$/m);
    const ws = await t.store.workspaces.require(DEMO_WORKSPACE);
    expect(await t.store.contacts.count(ws.id)).toBe(500);
    expect((await t.store.links.list(ws.id)).length).toBe(result.first.handedOff);
  });
});
