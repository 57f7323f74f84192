import { describe, expect, it } from 'vitest';

import { parseIsoMs } from '../../../src/qualification/time.ts';
import { listPresets, loadModel } from '../../../src/qualification/index.ts';
import { benchContacts, BENCH_NOW } from '../../bench/contacts.ts';

describe('the fast path and the explained path agree', () => {
  const contacts = benchContacts(1500, 11).map((c, i) => ({
    ...c,
    properties: {
      ...c.properties,
      consent: i % 3 ? 'true' : 'false',
      budget: i % 4 ? '' : 'yes',
      authority: i % 5 ? '' : 'yes',
      need: i % 2 ? '' : 'yes',
      timeline: i % 3 ? '' : 'soon',
      sdr_confirmed: i % 7 ? 'false' : 'true',
      technical_fit: i % 6 ? 'false' : 'true',
      sales_opportunity: ['', 'open', 'won', 'lost'][i % 9] ?? '',
      sales_status: i % 11 ? '' : 'disqualified',
    },
    ...(i % 13 === 0 ? { stage: 'mql' } : {}),
  }));

  it.each([
    'hubspot-lifecycle',
    'b2b-saas-funnel',
    'seven-stage-seed',
    'sirius-decisions',
    'seven-step-tsql',
    'three-stage',
  ])('preset:%s: same stage and the same points on every contact', async (name) => {
    expect(await listPresets()).toContain(name);
    const { model } = await loadModel(`preset:${name}`);
    const seen = new Set<string>();
    for (const c of contacts) {
      const d = model.qualify(c, BENCH_NOW);
      seen.add(d.stage);
      const label = model.stages.find((s) => s.key === d.stage)!.label;
      expect(d.summary.startsWith(`${label}: `), `${c.id}: ${d.stage} vs ${d.summary}`).toBe(true);
      for (const dim of model.dimensions) {
        const explained = d.reasons
          .filter((r) => r.dimension === dim && r.code === 'points')
          .reduce((s, r) => s + r.points!, 0);
        expect(Math.abs(explained - d.scores[dim]!), `${c.id} ${dim}`).toBeLessThan(0.05);
      }
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});

describe('parseIsoMs', () => {
  it.each([
    '2026-11-10T00:00:00Z',
    '2024-02-29T23:59:59.999Z',
    '1999-12-31T12:00:00.5Z',
    '2026-11-10T10:00:00+02:00',
    '2026-11-10',
    'garbage',
  ])('%s parses like Date.parse', (s) => {
    expect(parseIsoMs(s)).toBe(Date.parse(s));
  });
});
