import { describe, expect, it } from 'vitest';

import { compileModelText } from '../../../src/qualification/index.ts';
import { contact, NOW } from './helpers.ts';

const model = compileModelText(
  `name: rules
dimensions: [fit, behavior]
conditions:
  competitor: { property: company, in: [Rival Inc] }
stages:
  - key: subscriber
  - key: lead
    requires: { score: total, gte: 10 }
  - key: mql
    requires: { all: [{ score: behavior, gte: 30 }, { not: { is: competitor } }] }
  - key: sql
    handoff: true
    requires: { event: meeting_booked }
  - key: customer
    owner: sales
    requires: { property: sales_opportunity, equals: won }
scoring:
  - { id: views, dimension: behavior, when: { event: page_view }, points: 10, max: 30 }
  - { id: careers, dimension: behavior, when: { event: page_view, where: { url: { contains: careers } } }, points: -15, once: true }
  - { id: fresh clicks, dimension: behavior, when: { event: email_click }, points: 8, decay: { halfLifeDays: 10 } }
  - { id: latest form, dimension: behavior, when: { event: form_submit }, points: 20, once: true, decay: { halfLifeDays: 10 } }
  - { id: persona, dimension: fit, when: { property: jobtitle, contains: marketing }, points: 15 }
  - { id: competitor, dimension: fit, when: { is: competitor }, points: -50 }
recycle:
  - { id: disqualified, when: { property: sales_status, equals: disqualified }, to: lead, from: [mql, sql] }
`,
  'rules.yaml',
);

const points = (d: ReturnType<typeof model.qualify>, rule: string) =>
  d.reasons.find((r) => r.code === 'points' && r.rule === rule)?.points;

describe('scoring rules', () => {
  it('counts event rules per event, caps them with max, and subtracts negative points once', () => {
    const d = model.qualify(
      contact({}, [
        ['page_view', 1],
        ['page_view', 2],
        ['page_view', 3],
        ['page_view', 4, { url: '/careers' }],
        ['page_view', 5, { url: '/careers' }],
      ]),
      NOW,
    );
    expect(points(d, 'views')).toBe(30);
    expect(points(d, 'careers')).toBe(-15);
    expect(d.scores.behavior).toBe(15);
  });

  it('decays event points by half every half-life', () => {
    const d = model.qualify(
      contact({}, [
        ['email_click', 0],
        ['email_click', 10],
        ['email_click', 20],
      ]),
      NOW,
    );
    expect(points(d, 'fresh clicks')).toBe(14); // 8 + 4 + 2
  });

  it('counts a once rule on the most recent event', () => {
    const d = model.qualify(
      contact({}, [
        ['form_submit', 20],
        ['form_submit', 10],
      ]),
      NOW,
    );
    expect(points(d, 'latest form')).toBe(10);
    expect(d.reasons.find((r) => r.rule === 'latest form')?.count).toBe(1);
  });

  it('gives property rules their points once and sums dimensions into total', () => {
    const d = model.qualify(
      contact({ jobtitle: 'Marketing Manager', company: 'rival inc' }, [['page_view', 1]]),
      NOW,
    );
    expect(d.scores).toEqual({ fit: -35, behavior: 10, total: -25 });
  });
});

describe('stage decisions', () => {
  it('takes the highest stage whose requirement holds, skipping unmet ones below it', () => {
    const d = model.qualify(contact({}, [['meeting_booked', 1]]), NOW);
    expect(d.stage).toBe('sql');
    expect(model.handoffStage).toBe('sql');
    expect(model.stages.find((s) => s.key === 'customer')?.owner).toBe('sales');
  });

  it('never moves a contact below its current stage, and says so', () => {
    const d = model.qualify(contact({}, [], 'mql'), NOW);
    expect(d.stage).toBe('mql');
    expect(d.recycled).toBe(false);
    expect(d.reasons).toContainEqual(expect.objectContaining({ code: 'held', stage: 'mql' }));
  });

  it('moves back only through a recycle rule, from the stages it names', () => {
    const fromSql = model.qualify(
      contact({ sales_status: 'Disqualified' }, [['meeting_booked', 1]], 'sql'),
      NOW,
    );
    expect(fromSql.stage).toBe('lead');
    expect(fromSql.recycled).toBe(true);
    expect(fromSql.summary).toMatch(/^Lead: recycled to Lead/);

    const fromCustomer = model.qualify(
      contact({ sales_status: 'disqualified', sales_opportunity: 'won' }, [], 'customer'),
      NOW,
    );
    expect(fromCustomer.stage).toBe('customer');
  });

  it('reaches a sales-owned stage from facts the CRM sent back', () => {
    expect(model.qualify(contact({ sales_opportunity: 'won' }), NOW).stage).toBe('customer');
  });

  it('ignores a current stage the model does not know, and reports it', () => {
    const d = model.qualify(contact({}, [], 'evangelist'), NOW);
    expect(d.stage).toBe('subscriber');
    expect(d.reasons).toContainEqual(expect.objectContaining({ code: 'unknown_stage' }));
  });

  it('explains what the next stage is missing, named conditions included', () => {
    const d = model.qualify(
      contact(
        { company: 'Rival Inc' },
        [
          ['page_view', 1],
          ['page_view', 1],
          ['page_view', 1],
        ],
        'lead',
      ),
      NOW,
    );
    expect(d.stage).toBe('lead');
    const missing = d.reasons.filter((r) => r.code === 'requirement_missing').map((r) => r.text);
    expect(missing).toEqual(['not (competitor)']);
  });
});
