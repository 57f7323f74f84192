/**
 * Mappings versioned with the model, through the JSON API: each saved mapping is kept with the model
 * version in use, and rolling the model back brings back the mapping that went with it (or the
 * vendor default when none was saved by then). Expected entries are written from the steps taken.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type Harness, jsonRequest, startHarness, TWO_STAGE_MODEL } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const json = jsonRequest;
const MODEL_A = TWO_STAGE_MODEL;
const MODEL_B = MODEL_A.replace('gte: 40', 'gte: 60');

const mapping = (mql: string) => `contactProperties:
  email: email
stages:
  mql: ${mql}
writeBack: { scorePrefix: ls_, reason: ls_reason, modelVersion: ls_version }
`;

interface Entry {
  id: number;
  vendor: string;
  kind: string;
  modelVersionId: number | null;
  actor: string;
}

describe('when a model is rolled back', () => {
  it('should bring back the mapping saved with that model version', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const api = `/api/workspaces/${ws.id}`;
    const models = async () =>
      ((await (await h.admin(`${api}/model/versions`)).json()) as { versions: { id: number }[] }).versions;
    const history = async (query = '') =>
      ((await (await h.admin(`${api}/mapping-history${query}`)).json()) as { history: Entry[] }).history;
    const hubspotText = async () =>
      (await h.ctx.store.workspaces.require(ws.id)).mappings.hubspot as { text: string } | undefined;

    // Model A (version a) with no own mapping yet: the default applies.
    expect((await h.admin(`${api}/model`, json('POST', { yaml: MODEL_A, comment: 'a' }))).status).toBe(200);
    const [a] = await models();
    // Model B (version b), then a mapping saved while B is in use.
    await h.admin(`${api}/model`, json('POST', { yaml: MODEL_B, comment: 'b' }));
    const [b] = await models();
    const put = await h.admin(`${api}/mappings/hubspot`, json('PUT', { text: mapping('lead') }));
    expect(put.status).toBe(200);
    expect(await history()).toMatchObject([
      { vendor: 'hubspot', kind: 'workspace', modelVersionId: b!.id, actor: 'api' },
    ]);

    // Back to A: no mapping was saved with A, so the hubspot default comes back.
    const toA = await h.admin(`${api}/model/versions/${a!.id}/rollback`, json('POST', {}));
    expect(toA.status).toBe(200);
    expect(((await toA.json()) as { mappings: unknown[] }).mappings).toEqual([
      { vendor: 'hubspot', to: 'default', fromMappingVersion: null },
    ]);
    expect(await hubspotText()).toBeUndefined();
    const [rolledA] = await models();

    // Back to B: the mapping saved with B is restored, as a new entry linked to the new version.
    const toB = await h.admin(`${api}/model/versions/${b!.id}/rollback`, json('POST', {}));
    const saved = (await history('?vendor=hubspot')).at(-1)!;
    expect(((await toB.json()) as { mappings: unknown[] }).mappings).toEqual([
      { vendor: 'hubspot', to: 'workspace', fromMappingVersion: saved.id },
    ]);
    expect((await hubspotText())?.text).toBe(mapping('lead'));
    const [rolledB] = await models();

    const all = await history();
    expect(all.map((e) => [e.kind, e.modelVersionId, e.actor])).toEqual([
      ['workspace', rolledB!.id, 'web'],
      ['default', rolledA!.id, 'web'],
      ['workspace', b!.id, 'api'],
    ]);
    expect(await history('?vendor=salesforce')).toEqual([]);

    // The console's mappings page lists the same history, newest first.
    const html = await (await h.admin(`/workspaces/${ws.id}/mappings`)).text();
    const ids = [...html.matchAll(/data-mapping-version="(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids).toEqual(all.map((e) => e.id));
  });
});
