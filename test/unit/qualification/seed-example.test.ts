import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { compileModelText } from '../../../src/qualification/index.ts';
import { contact, NOW } from './helpers.ts';

const text = await readFile(new URL('../../../examples/seed-003.yaml', import.meta.url), 'utf8');
const model = compileModelText(text, 'examples/seed-003.yaml');

describe('the seed article worked example', () => {
  const prospect = contact({ email: 'ana@northwind.example', jobtitle: 'Marketing' }, [
    ['form_submit', 5],
    ['email_open', 5],
    ['email_click', 5],
    ['page_view', 4],
    ['page_view', 4],
    ['page_view', 3],
    ['page_view', 2],
  ]);

  it('reaches Lead with contact 25, activity 30, engagement 10, total 65', () => {
    const d = model.qualify(prospect, NOW);
    expect(d.stage).toBe('lead');
    expect(d.scores).toEqual({ contact: 25, activity: 30, engagement: 10, total: 65 });
    expect(d.reasons.filter((r) => r.code === 'requirement_met')).toHaveLength(4);
  });

  it('stays Prospect one page view short, and says what Lead still needs', () => {
    const d = model.qualify({ ...prospect, events: prospect.events.slice(0, 6) }, NOW);
    expect(d.stage).toBe('prospect');
    expect(d.scores.activity).toBe(25);
    const missing = d.reasons.filter((r) => r.code === 'requirement_missing');
    expect(missing).toEqual([
      expect.objectContaining({
        stage: 'lead',
        dimension: 'activity',
        have: 25,
        need: '≥ 30',
        text: 'activity score ≥ 30 (has 25)',
      }),
    ]);
    expect(d.summary).toContain('Lead needs activity score ≥ 30 (has 25)');
  });

  it('matches the job title case-insensitively and needs an email', () => {
    const d = model.qualify({ ...prospect, properties: { jobtitle: 'marketing' } }, NOW);
    expect(d.scores.contact).toBe(25);
    expect(d.stage).toBe('prospect');
  });

  it('carries a version that changes with the model', () => {
    const changed = compileModelText(text.replace('points: 25', 'points: 20'), 'x.yaml');
    expect(model.version).toMatch(/^[0-9a-f]{12}$/);
    expect(changed.version).not.toBe(model.version);
    expect(compileModelText(text, 'y.yaml').version).toBe(model.version);
  });
});
