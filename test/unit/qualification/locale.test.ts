/**
 * A model with `locale: fr` explains itself in French: default stage labels, points, requirements,
 * the summary written back and the contact explanation. Every expected text is written by hand
 * from the model below and the contact's facts (fit 25 from the persona rule; one page view 2 days
 * ago for 10 behaviour points).
 */
import { describe, expect, it } from 'vitest';

import { explainDecision } from '../../../src/qualification/explain.ts';
import { compileModelText } from '../../../src/qualification/index.ts';
import { contact, NOW } from './helpers.ts';

const MODEL = (locale: string) => `name: essai
locale: ${locale}
currency: EUR
dimensions: [fit, behavior]
stages:
  - key: lead
  - key: mql
    requires: { score: fit, gte: 20 }
  - key: sql
    requires: { all: [{ score: behavior, gte: 30 }, { property: country, in: [FR, BE] }] }
  - key: customer
    requires: { property: sales_opportunity, equals: won }
scoring:
  - { id: persona, dimension: fit, when: { property: jobtitle, contains: marketing }, points: 25 }
  - { id: views, dimension: behavior, when: { event: page_view, withinDays: 30 }, points: 10 }
`;

const lea = contact({ jobtitle: 'Head of marketing' }, [['page_view', 2]]);

describe('when the model is in French', () => {
  const model = compileModelText(MODEL('fr'), 'essai.yaml');

  it('should name unlabelled stages in French and carry the currency', () => {
    expect(model.stages.map((s) => s.label)).toEqual(['Lead', 'MQL', 'SQL', 'Client']);
    expect(model.locale).toBe('fr');
    expect(model.currency).toBe('EUR');
  });

  it('should write the summary and the reasons in French', () => {
    const d = model.qualify(lea, NOW);
    expect(d.stage).toBe('mql');
    expect(d.summary).toBe(
      'MQL : score fit ≥ 20 (actuel : 25) | SQL demande score behavior ≥ 30 (actuel : 10); country parmi ["FR", "BE"] (actuel : aucune valeur)',
    );
    expect(d.reasons.filter((r) => r.code === 'points').map((r) => r.text)).toEqual([
      '+25 fit : jobtitle contient "marketing"',
      '+10 behavior : page_view dans les 30 derniers jours',
    ]);
  });

  it('should explain a contact in French', () => {
    const d = model.qualify(lea, NOW);
    expect(explainDecision(model, d).split('\n')).toEqual([
      `Contact c : MQL (étape 2 sur 4, modèle essai ${model.version})`,
      '',
      'Scores : fit 25, behavior 10, total 35',
      'Points :',
      '  +25 fit : jobtitle contient "marketing"',
      '  +10 behavior : page_view dans les 30 derniers jours',
      'MQL demande :',
      '  ✓ score fit ≥ 20 (actuel : 25)',
      'Pour SQL, il manque :',
      '  ✗ SQL demande score behavior ≥ 30 (actuel : 10)',
      '  ✗ SQL demande country parmi ["FR", "BE"] (actuel : aucune valeur)',
    ]);
  });
});

describe('when the model says nothing of its language', () => {
  it('should keep the English texts and dollars', () => {
    const model = compileModelText(MODEL('en').replace('currency: EUR\n', ''), 'essai.yaml');
    expect(model.currency).toBe('USD');
    expect(model.stages.map((s) => s.label)).toEqual(['Lead', 'Mql', 'Sql', 'Customer']);
    expect(model.qualify(lea, NOW).summary).toBe(
      'Mql: fit score ≥ 20 (has 25) | Sql needs behavior score ≥ 30 (has 10); country in ["FR", "BE"] (has nothing)',
    );
  });
});
