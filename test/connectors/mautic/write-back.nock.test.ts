import nock from 'nock';
import { describe, expect, it } from 'vitest';

import type { StageChange } from '../../../src/model.ts';
import { AuthError, ConfigError } from '../../../src/errors.ts';
import { fixture, makeContext, testDefinition, useNock } from './helpers.ts';

const BASE = 'https://mautic.example.com';
const basic = { kind: 'basic', username: 'api', password: 'pw' } as const;

function change(id: string, stage: string, previousStage?: string): StageChange {
  return {
    contactId: id,
    stage,
    ...(previousStage ? { previousStage } : {}),
    scores: { fit: 30, engagement: 25, total: 55 },
    summary: `contact ${id}: fit 30, engagement 25`,
    modelVersion: 'm-1',
    recycled: false,
  };
}

useNock();

/** Mautic already has every leadstage field (listed as an id-keyed object) and two stages. */
function schemaExists(options: { stages?: boolean } = {}) {
  nock(BASE).get('/api/fields/contact?start=0&limit=1000').reply(200, fixture('fields.leadstage.json'));
  if (options.stages !== false) {
    nock(BASE).get('/api/stages?start=0&limit=1000').reply(200, fixture('stages.json'));
  }
}

describe('when writing decisions back', () => {
  it('should batch-edit score fields and return per-record outcomes from a partial failure', async () => {
    schemaExists();
    let sent: unknown[] = [];
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .reply(async (req: Request) => {
        sent = (await req.json()) as unknown[];
        return [200, fixture('batch-edit.partial.json')];
      });
    nock(BASE).post('/api/stages/3/contact/47/add').reply(200, { success: true });
    const t = makeContext(BASE, basic);
    const result = await testDefinition
      .create(t.ctx)
      .writeBack([
        change('47', 'mql', 'lead'),
        change('48', 'mql'),
        change('51', 'subscriber', 'subscriber'),
        change('52', 'mql'),
      ]);

    expect(sent[0]).toStrictEqual({
      id: 47,
      ls_score_fit: 30,
      ls_score_engagement: 25,
      ls_score: 55,
      ls_reason: 'contact 47: fit 30, engagement 25',
      ls_model_version: 'm-1',
    });
    // 51 kept its stage: no Stages API call for it.
    expect(result).toStrictEqual({
      ok: ['47', '51'],
      failed: [
        { id: '48', code: 'not_found', message: 'Item was not found.', retryable: false },
        { id: '52', code: 'mautic_400', message: 'ls_score: This value is not valid.', retryable: false },
      ],
    });
    expect(t.counted).toStrictEqual({
      'GET /api/fields/contact': 1,
      'GET /api/stages': 1,
      'PATCH /api/contacts/batch/edit': 1,
      'POST /api/stages/:id/contact/:contactId/add': 1,
    });
  });

  it('should split more than 200 changes into batches of at most 200, listing the schema only once', async () => {
    schemaExists({ stages: false });
    const sizes: number[] = [];
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .times(3)
      .reply(async (req: Request) => {
        const body = (await req.json()) as unknown[];
        sizes.push(body.length);
        return [200, { statusCodes: body.map(() => 200) }];
      });
    const t = makeContext(BASE, basic);
    const connector = testDefinition.create(t.ctx);
    const changes = Array.from({ length: 250 }, (_, i) => change(String(i + 1), 'mql', 'mql'));
    const result = await connector.writeBack(changes);
    expect(sizes).toStrictEqual([200, 50]);
    expect(result.ok).toHaveLength(250);
    expect(result.failed).toStrictEqual([]);
    await connector.writeBack(changes.slice(0, 1));
    expect(t.counted).toStrictEqual({ 'GET /api/fields/contact': 1, 'PATCH /api/contacts/batch/edit': 3 });
  });

  it('should create a missing stage on the fly and record stage failures per contact', async () => {
    schemaExists();
    nock(BASE)
      .post('/api/stages/new', {
        name: 'Customer',
        weight: 0,
        description: 'leadstage stage "customer"',
        isPublished: 1,
      })
      .reply(201, {
        stage: { id: 14, name: 'Customer', weight: 0, isPublished: true },
      });
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .reply(200, { contacts: [{}, {}], statusCodes: [200, 200] });
    nock(BASE)
      .post('/api/stages/3/contact/47/add')
      .reply(404, { errors: [{ code: 404, message: 'Item was not found.', details: [], type: null }] });
    nock(BASE).post('/api/stages/14/contact/48/add').reply(200, { success: true });
    const t = makeContext(BASE, basic);
    const result = await testDefinition
      .create(t.ctx)
      .writeBack([change('47', 'mql'), change('48', 'customer')]);
    expect(result).toStrictEqual({
      ok: ['48'],
      failed: [
        {
          id: '47',
          code: 'not_found',
          message: 'Mautic answered 404: Item was not found.',
          retryable: false,
        },
      ],
    });
  });

  it('should fail a contact whose stage Mautic stored under another name', async () => {
    schemaExists();
    nock(BASE)
      .post('/api/stages/new')
      .reply(201, { stage: { id: 15, name: 'Customer (2)' } });
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .reply(200, { statusCodes: [200] });
    const t = makeContext(BASE, basic);
    expect(await testDefinition.create(t.ctx).writeBack([change('48', 'customer')])).toStrictEqual({
      ok: [],
      failed: [
        {
          id: '48',
          code: 'unknown_stage',
          message: 'Mautic has no stage "Customer": run ensureSchema',
          retryable: false,
        },
      ],
    });
  });

  it('should fail a whole batch as retryable records when Mautic keeps failing, never the run', async () => {
    schemaExists();
    nock(BASE).patch('/api/contacts/batch/edit').times(2).reply(502, 'Bad Gateway');
    const t = makeContext(BASE, basic, { config: { maxAttempts: 2 } });
    const result = await testDefinition.create(t.ctx).writeBack([change('47', 'mql'), change('48', 'mql')]);
    expect(result.ok).toStrictEqual([]);
    expect(result.failed.map((f) => [f.id, f.code, f.retryable])).toStrictEqual([
      ['47', 'transient', true],
      ['48', 'transient', true],
    ]);
  });

  it('should stop the run on auth and configuration errors, which no record can get past', async () => {
    nock(BASE).get('/api/fields/contact?start=0&limit=1000').reply(403, fixture('error.api-disabled.json'));
    const t = makeContext(BASE, basic);
    await expect(testDefinition.create(t.ctx).writeBack([change('47', 'mql')])).rejects.toBeInstanceOf(
      ConfigError,
    );
    schemaExists();
    nock(BASE).patch('/api/contacts/batch/edit').reply(401, fixture('error.token-expired.json'));
    await expect(testDefinition.create(t.ctx).writeBack([change('47', 'mql')])).rejects.toBeInstanceOf(
      AuthError,
    );
  });
});

describe('when the stage rides in the batch (stageWrite: batch)', () => {
  it('should send the Mautic stage id with the scores and skip unchanged stages', async () => {
    schemaExists();
    nock(BASE)
      .post('/api/stages/new')
      .reply(201, { stage: { id: 14, name: 'Customer' } });
    let sent: unknown[] = [];
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .reply(async (req: Request) => {
        sent = (await req.json()) as unknown[];
        return [200, { statusCodes: sent.map(() => 200) }];
      });
    const t = makeContext(BASE, basic, { config: { stageWrite: 'batch' } });
    const result = await testDefinition
      .create(t.ctx)
      .writeBack([
        change('47', 'mql', 'lead'),
        change('51', 'subscriber', 'subscriber'),
        change('52', 'customer'),
      ]);
    expect(sent.map((p) => (p as { stage?: number }).stage ?? null)).toStrictEqual([3, null, 14]);
    expect(result).toStrictEqual({ ok: ['47', '51', '52'], failed: [] });
    expect(t.counted['POST /api/stages/:id/contact/:contactId/add']).toBeUndefined();
  });
});

describe('when ensuring the schema', () => {
  const spec = {
    stages: [
      { key: 'subscriber', label: 'Subscriber' },
      { key: 'mql', label: 'MQL' },
      { key: 'nurture', label: 'Nurture' },
    ],
    dimensions: ['fit', 'engagement'],
  };

  it('should create only the missing stages (weighted in model order) and fields', async () => {
    const created: unknown[] = [];
    nock(BASE).get('/api/stages?start=0&limit=1000').reply(200, fixture('stages.json'));
    nock(BASE)
      .post('/api/stages/new')
      .reply(async (req: Request) => {
        created.push(await req.json());
        return [201, { stage: { id: 12, name: 'Nurture', weight: 30, isPublished: true } }];
      });
    nock(BASE).get('/api/fields/contact?start=0&limit=1000').reply(200, fixture('fields.json'));
    nock(BASE)
      .post('/api/fields/contact/new')
      .times(4)
      .reply(async (req: Request) => {
        const body = (await req.json()) as { alias: string };
        created.push(body);
        return [201, { field: { id: 90, alias: body.alias, type: 'number' } }];
      });
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .reply(200, { statusCodes: [200] });
    nock(BASE).post('/api/stages/12/contact/5/add').reply(200, { success: true });

    const t = makeContext(BASE, basic);
    const connector = testDefinition.create(t.ctx);
    await connector.ensureSchema(spec);
    expect(created).toStrictEqual([
      { name: 'Nurture', weight: 30, description: 'leadstage stage "nurture"', isPublished: 1 },
      {
        label: 'Leadstage fit score',
        alias: 'ls_score_fit',
        type: 'number',
        group: 'core',
        object: 'lead',
        isPublished: true,
      },
      {
        label: 'Leadstage engagement score',
        alias: 'ls_score_engagement',
        type: 'number',
        group: 'core',
        object: 'lead',
        isPublished: true,
      },
      {
        label: 'Leadstage reason',
        alias: 'ls_reason',
        type: 'text',
        group: 'core',
        object: 'lead',
        isPublished: true,
        // Declared: left out, Mautic makes a text field 64 characters long (LeadField.php).
        charLengthLimit: 191,
      },
      {
        label: 'Leadstage model version',
        alias: 'ls_model_version',
        type: 'text',
        group: 'core',
        object: 'lead',
        isPublished: true,
        charLengthLimit: 191,
      },
    ]);
    // The stage named by its label is found again when writing back, without listing stages.
    expect(await connector.writeBack([change('5', 'nurture')])).toStrictEqual({ ok: ['5'], failed: [] });
  });

  it('should refuse a field Mautic created under another alias', async () => {
    nock(BASE).get('/api/stages?start=0&limit=1000').reply(200, fixture('stages.json'));
    nock(BASE)
      .post('/api/stages/new')
      .reply(201, { stage: { id: 12, name: 'Nurture' } });
    nock(BASE).get('/api/fields/contact?start=0&limit=1000').reply(200, { total: 0, fields: [] });
    nock(BASE)
      .post('/api/fields/contact/new')
      .reply(201, { field: { id: 91, alias: 'ls_score_fit1', type: 'number' } });
    const t = makeContext(BASE, basic);
    await expect(testDefinition.create(t.ctx).ensureSchema(spec)).rejects.toThrow(
      'Mautic created field "ls_score_fit" as "ls_score_fit1": choose another alias in mappings/mautic.yaml',
    );
  });
});

describe('when values meet what Mautic keeps', () => {
  const reason =
    'Marketing qualified: fit 42 (senior title, target industry), engagement 31 (pricing page twice, ' +
    'demo form), no negative signals; meets every minimum for this stage and the required facts';

  it('should send whole-number scores, blank zeros with overwriteWithBlank, and cut the reason on a word', async () => {
    schemaExists({ stages: false });
    let sent: Record<string, unknown>[] = [];
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .reply(async (req: Request) => {
        sent = (await req.json()) as Record<string, unknown>[];
        return [200, { statusCodes: [200] }];
      });
    const t = makeContext(BASE, basic);
    const result = await testDefinition.create(t.ctx).writeBack([
      {
        ...change('47', 'mql', 'mql'),
        scores: { fit: 0.4, engagement: -0.5, total: 12.5 },
        summary: `${reason} ${reason}`,
      },
    ]);
    expect(result).toStrictEqual({ ok: ['47'], failed: [] });
    // Mautic drops numbers whose integer part is 0 (CustomFieldsApiControllerTrait.php): a blank
    // with overwriteWithBlank is the only way to clear the field; 12.5 rounds half up.
    expect(sent[0]).toMatchObject({
      ls_score_fit: null,
      ls_score_engagement: null,
      ls_score: 13,
      overwriteWithBlank: true,
    });
    const written = sent[0]!.ls_reason as string;
    expect([...written].length).toBeLessThanOrEqual(191);
    expect(written.endsWith('…')).toBe(true);
    // Cut between words: what precedes the ellipsis is a whole word of the original.
    const words = `${reason} ${reason}`.split(' ');
    const kept = written.slice(0, -1).split(' ');
    expect(kept).toStrictEqual(
      words.slice(0, kept.length).map((w, i) => (i === kept.length - 1 ? w.replace(/[,;:.-]+$/, '') : w)),
    );
  });

  it('should cut the reason to the length Mautic names when an older field is shorter, and resend once', async () => {
    schemaExists({ stages: false });
    const bodies: Record<string, unknown>[][] = [];
    const tooLong = 'ls_reason: This value is too long. It should have 64 characters or less.';
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .times(2)
      .reply(async (req: Request) => {
        const body = (await req.json()) as Record<string, unknown>[];
        bodies.push(body);
        if (bodies.length > 1) return [200, { statusCodes: body.map(() => 200) }];
        return [
          200,
          {
            contacts: [],
            statusCodes: { 0: 400, 1: 200 },
            errors: {
              0: { code: 400, message: tooLong, details: { ls_reason: [tooLong.slice(11)] }, type: null },
            },
          },
        ];
      });
    const t = makeContext(BASE, basic);
    const result = await testDefinition.create(t.ctx).writeBack([
      { ...change('47', 'mql', 'mql'), summary: reason },
      { ...change('48', 'mql', 'mql'), summary: 'short' },
    ]);
    expect(result).toStrictEqual({ ok: ['48', '47'], failed: [] });
    expect(bodies[1]!).toHaveLength(1);
    expect(bodies[1]![0]!.ls_reason).toBe('Marketing qualified: fit 42 (senior title, target industry)…');
    expect([...(bodies[1]![0]!.ls_reason as string)].length).toBeLessThanOrEqual(64);
  });

  it('should split a batch Mautic refuses as over its limit (a 500) to the limit it names', async () => {
    schemaExists({ stages: false });
    // An instance whose api_batch_max_limit was lowered to 150.
    const sizes: number[] = [];
    const limited = {
      errors: [
        { code: 500, message: 'A max of 150 entities are supported at a time.', details: [], type: null },
      ],
    };
    nock(BASE).patch('/api/contacts/batch/edit').reply(500, limited);
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .times(2)
      .reply(async (req: Request) => {
        const body = (await req.json()) as unknown[];
        sizes.push(body.length);
        return [200, { statusCodes: body.map(() => 200) }];
      });
    const t = makeContext(BASE, basic);
    const changes = Array.from({ length: 200 }, (_, i) => change(String(i + 1), 'mql', 'mql'));
    const result = await testDefinition.create(t.ctx).writeBack(changes);
    expect(result.failed).toStrictEqual([]);
    expect(result.ok).toHaveLength(200);
    // Not retried as transient: one refused call, then 150 + 50.
    expect(sizes).toStrictEqual([150, 50]);
    expect(t.counted['PATCH /api/contacts/batch/edit']).toBe(3);
  });

  it('should call the Stages API only for contacts whose Mautic stage differs', async () => {
    schemaExists();
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .reply(200, { statusCodes: [200, 200, 200] });
    const add = nock(BASE).post('/api/stages/3/contact/48/add').reply(200, { success: 1 });
    const t = makeContext(BASE, basic);
    const result = await testDefinition
      .create(t.ctx)
      .writeBack([
        change('47', 'mql', 'mql'),
        change('48', 'mql', 'subscriber'),
        change('49', 'subscriber', 'subscriber'),
      ]);
    expect(result).toStrictEqual({ ok: ['47', '48', '49'], failed: [] });
    expect(add.isDone()).toBe(true);
    expect(Object.keys(t.counted).filter((k) => k.includes('stages/:id'))).toStrictEqual([
      'POST /api/stages/:id/contact/:contactId/add',
    ]);
    expect(t.counted['POST /api/stages/:id/contact/:contactId/add']).toBe(1);
  });
});
