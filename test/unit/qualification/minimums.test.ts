import { describe, expect, it } from 'vitest';

import { parseModelText } from '../../../src/qualification/index.ts';
import { minimumText, stageMinimums } from '../../../src/qualification/minimums.ts';

// Each expectation below is read off this YAML by eye: which score leaves sit under all/is (count),
// which sit under any/not (do not).
const MODEL = `name: minimums
dimensions: [fit, engagement, intent]
conditions:
  icp: { all: [ { score: fit, gte: 30 }, { property: country, equals: FR } ] }
stages:
  - key: lead
  - key: mql
    requires:
      all:
        - { is: icp }
        - { score: engagement, gte: 20 }
        - { score: engagement, gt: 20 }
        - { score: fit, gte: 25 }
        - any: [ { score: intent, gte: 50 }, { event: meeting_booked } ]
        - not: { score: total, gte: 500 }
  - key: sql
    requires: { score: total, gt: 99 }
  - key: customer
scoring: []
`;

describe('stageMinimums', () => {
  const model = parseModelText(MODEL, 'minimums.yaml');

  it('collects score leaves under all and named conditions, the strictest per dimension', () => {
    // fit: 30 from icp beats the direct 25; engagement: > 20 is stricter than ≥ 20.
    // intent is only under any, total only under not: neither is a minimum of mql.
    expect(stageMinimums(model, 'mql')).toEqual({
      fit: { op: 'gte', value: 30 },
      engagement: { op: 'gt', value: 20 },
    });
  });

  it('reads a bare score requirement, and nothing for a stage without one or unknown', () => {
    expect(stageMinimums(model, 'sql')).toEqual({ total: { op: 'gt', value: 99 } });
    expect(stageMinimums(model, 'customer')).toEqual({});
    expect(stageMinimums(model, 'lead')).toEqual({});
    expect(stageMinimums(model, 'nope')).toEqual({});
  });

  it('writes a minimum as the engine writes its reasons', () => {
    expect(minimumText({ op: 'gte', value: 30 })).toBe('≥ 30');
    expect(minimumText({ op: 'gt', value: 20 })).toBe('> 20');
  });
});
