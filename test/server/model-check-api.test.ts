import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type Harness, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const put = (id: string, yaml: string) =>
  h.admin(`/api/workspaces/${id}/model`, {
    method: 'PUT',
    body: JSON.stringify({ model: { yaml }, dryRun: true }),
    headers: { 'content-type': 'application/json' },
  });

describe('the model API answers like rules check', () => {
  it('returns every problem with its line and column', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const res = await put(
      ws.id,
      "name: m\ndimensions: [d]\nstages:\n  - key: a\n    handoff: yes\n  - key: b\n    requires: { property: email, matches: '(a)\\1' }\n",
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; problems: { line: number; column: number; path: string }[] };
    };
    expect(body.error.code).toBe('model_invalid');
    expect(body.error.problems.map((p) => [p.line, p.column, p.path])).toEqual([
      [5, 5, 'stages[0].handoff'],
      [7, 34, 'stages[1].requires.matches'],
    ]);
  });

  it('returns the warnings of a valid model with their line and column', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const res = await put(
      ws.id,
      'name: m\ndimensions: [d]\nstages:\n  - key: a\n  - key: b\n    handoff: true\n    requires: { event: form_sumbit }\n',
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { warnings: { line: number; column: number; message: string }[] };
    expect(body.warnings).toEqual([
      expect.objectContaining({
        line: 7,
        column: 17,
        message: expect.stringMatching(/did you mean "form_submit"/),
      }),
    ]);
  });
});
