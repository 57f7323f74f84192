/**
 * The event types a compiled model reads: source connectors skip the engagement streams of every
 * other type, so a type missing here would silently never reach the model.
 */
import { describe, expect, it } from 'vitest';

import { compileModelText } from '../../../src/qualification/index.ts';

describe('the event types a model reads', () => {
  it('gathers them from stage requirements, named conditions, scoring and recycle rules', () => {
    const model = compileModelText(
      [
        'name: t',
        'dimensions: [d]',
        'conditions:',
        '  clicked: { event: email_click, withinDays: 30 }',
        'stages:',
        '  - { key: a }',
        '  - key: b',
        '    requires: { any: [{ is: clicked }, { not: { event: [meeting_booked, form_submit] } }] }',
        'scoring:',
        '  - { id: opens, dimension: d, when: { event: email_open }, points: 1 }',
        '  - { id: fit, dimension: d, when: { property: employees, gte: 10 }, points: 5 }',
        'recycle:',
        '  - { id: bounced, when: { event: email_bounce }, to: a }',
      ].join('\n'),
      't.yaml',
    );
    expect([...model.eventTypes!].sort()).toEqual([
      'email_bounce',
      'email_click',
      'email_open',
      'form_submit',
      'meeting_booked',
    ]);
  });

  it('is empty for a model that reads properties only (no engagement stream is needed)', () => {
    const model = compileModelText(
      [
        'name: t',
        'dimensions: [d]',
        'stages: [{ key: a }]',
        'scoring:',
        '  - { id: fit, dimension: d, when: { property: employees, gte: 10 }, points: 5 }',
      ].join('\n'),
      't.yaml',
    );
    expect(model.eventTypes).toEqual([]);
  });
});
