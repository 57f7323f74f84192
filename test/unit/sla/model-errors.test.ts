/** SLA, business-hours and account mistakes in a model file are named at their path. */
import { describe, expect, it } from 'vitest';

import { checkModelText } from '../../../src/qualification/parse.ts';

function problems(yaml: string): string[] {
  return checkModelText(yaml, 'm.yaml').problems.map((p) => `${p.path}: ${p.message}`);
}

const BASE = `name: m
dimensions: [fit]
stages:
  - key: lead
  - key: sql
`;

describe('when a model sets SLAs and accounts wrongly', () => {
  it('should name the field and say what to write', () => {
    expect(
      problems(`${BASE}    sla: { within: 3d, businessHours: true, until: [sql, wroking] }\n`),
    ).toStrictEqual([
      "stages[1].sla.within: with businessHours, write hours (e.g. 24h for 3 days of 8 hours): a business day is as long as the workspace's opening hours",
      'stages[1].sla.until[0]: "sql" is a stage: leaving this stage always ends the SLA; until lists sales statuses (working, accepted, disqualified, converted)',
      'stages[1].sla.until[1]: unknown sales status "wroking"; until lists sales statuses: working, accepted, disqualified, converted',
    ]);
    expect(problems(`${BASE}    sla: { within: soon }\n`)).toStrictEqual([
      'stages[1].sla.within: a duration such as 24h, 90m or 2d',
    ]);
    expect(
      problems(`${BASE}businessHours: { timeZone: Mars/Olympus, start: "9am", end: "17:00" }\n`),
    ).toStrictEqual([
      'businessHours.timeZone: an IANA time zone such as Europe/Paris or America/New_York',
      'businessHours.start: a time of day HH:MM such as 09:00',
    ]);
  });

  it('should check account dimensions and the conditions that use them', () => {
    const yaml = `name: m
dimensions: [fit]
accounts:
  dimensions:
    - { key: engagement, sum: intent }
    - { key: both, sum: fit, max: fit }
stages:
  - key: lead
  - key: sql
    requires: { account: reach, gte: 50 }
scoring:
  - { dimension: fit, when: { account: both, gte: 1 }, points: 5 }
`;
    expect(problems(yaml)).toStrictEqual([
      'accounts.dimensions[0].sum: unknown dimension "intent"; contact dimensions are fit, total',
      'accounts.dimensions[1]: an account dimension has exactly one of sum, max, fit; got sum and max',
      'stages[1].requires.account: unknown account dimension "reach": the model defines none under accounts.dimensions',
      'scoring[0].when.account: unknown account dimension "both": the model defines none under accounts.dimensions',
    ]);
  });
});
