/**
 * The funnel door of the JSON API tells the model's language and currency (`locale: fr`,
 * `currency: EUR` in the model file), unless the request names another currency.
 */
import { readFileSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type Harness, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const MODEL = readFileSync('test/fixtures/models/french-euros.yaml', 'utf8');

describe('when the model is French and budgets in euros', () => {
  it('should answer the funnel with the model locale and currency', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const saved = await h.admin(`/api/workspaces/${ws.id}/model`, {
      method: 'POST',
      body: JSON.stringify({ yaml: MODEL, comment: 'en français' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(saved.status).toBe(200);
    const body = (await (await h.admin(`/api/workspaces/${ws.id}/funnel`)).json()) as {
      locale: string;
      currency: string;
      funnel: { stages: { label: string }[] };
    };
    expect([body.locale, body.currency]).toEqual(['fr', 'EUR']);
    expect(body.funnel.stages.map((s) => s.label)).toEqual(['Lead', 'Client']);
    const usd = (await (await h.admin(`/api/workspaces/${ws.id}/funnel?currency=USD`)).json()) as {
      currency: string;
    };
    expect(usd.currency).toBe('USD');
  });
});
