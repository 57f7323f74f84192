import { describe, expect, it } from 'vitest';

import {
  convertValue,
  loadHubspotMapping,
  parseHubspotMapping,
  scorePropertyName,
} from '../../../connectors/hubspot/mapping.ts';
import { StageMap } from '../../../connectors/hubspot/stages.ts';
import { ConfigError } from '../../../src/errors.ts';

const OPTIONS = [
  { value: 'subscriber', label: 'Subscriber' },
  { value: 'lead', label: 'Lead' },
  { value: '1001', label: 'Nurture' },
  { value: 'marketingqualifiedlead', label: 'Marketing Qualified Lead' },
  { value: 'salesqualifiedlead', label: 'Sales Qualified Lead' },
  { value: 'customer', label: 'Customer' },
  { value: '2002', label: 'Recycled' },
];

describe('mappings/hubspot.yaml', () => {
  it('loads and validates the shipped mapping', () => {
    const mapping = loadHubspotMapping();
    expect(mapping.contactProperties.employees).toEqual({ property: 'numberofemployees', type: 'number' });
    expect(mapping.contactProperties.budget).toEqual({ property: 'bant_budget', type: 'string' });
    expect(mapping.engagement.emailEvents.OPEN).toBe('email_open');
    expect(scorePropertyName(mapping, 'Fit Score')).toBe('leadstage_score_fit_score');
  });

  it('names the field and the problem when the file is wrong', () => {
    const bad = `
contactProperties:
  email: "E-Mail"
writeBack: { scorePrefix: leadstage_score_, reason: r, modelVersion: v }
engagement:
  webEvents: { e_visited_page: page_visit }
`;
    let err: unknown;
    try {
      parseHubspotMapping(bad, 'test.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('test.yaml is invalid');
    expect((err as Error).message).toContain('contactProperties.email');
    expect((err as Error).message).toContain('engagement.webEvents.e_visited_page');
  });

  it('converts HubSpot strings to the mapped canonical types', () => {
    expect(convertValue('250', 'number')).toBe(250);
    expect(convertValue('n/a', 'number')).toBeNull();
    expect(convertValue('false', 'boolean')).toBe(false);
    expect(convertValue('2024-05-01T14:00:00Z', 'exists')).toBe(true);
    expect(convertValue(null, 'exists')).toBe(false);
    expect(convertValue('', 'string')).toBeNull();
  });
});

describe('StageMap', () => {
  it('maps model stages to lifecycle values, custom stages by label, and back', () => {
    const mapping = parseHubspotMapping(`
contactProperties: { email: email }
stages:
  mql: marketingqualifiedlead
  nurture: { label: nurture }
  recycled: { label: Recycled }
  ghost: { label: Does Not Exist }
writeBack: { scorePrefix: s_, reason: r, modelVersion: v }
`);
    const stages = new StageMap(mapping, OPTIONS, [
      'subscriber',
      'mql',
      'nurture',
      'recycled',
      'ghost',
      'customer',
    ]);

    expect(stages.lifecycleValue('mql')).toBe('marketingqualifiedlead');
    expect(stages.lifecycleValue('nurture')).toBe('1001');
    expect(stages.lifecycleValue('recycled')).toBe('2002');
    // Unmapped model keys fall back to an option with the same value.
    expect(stages.lifecycleValue('customer')).toBe('customer');
    // A stage the portal has no value for takes the nearest lower stage's.
    expect(stages.lifecycleValue('ghost')).toBe('2002');
    expect(stages.unmappedModelStages).toEqual(['ghost']);
    expect(stages.unknownModelStages).toEqual([]);
    expect(stages.stageKey('2002')).toBe('recycled');
    expect(stages.stageKey('marketingqualifiedlead')).toBe('mql');
    expect(stages.stageKey('opportunity')).toBeUndefined();
  });

  it('gives a stage with no lifecycle value the nearest lower mapped one, and reads the exact stage back', () => {
    const mapping = parseHubspotMapping(`
contactProperties: { email: email }
stages: { mql: marketingqualifiedlead, sql: salesqualifiedlead }
writeBack: { scorePrefix: s_, reason: r, modelVersion: v }
`);
    // Invox's seven steps: TSQL sits between MQL and SQL, and HubSpot has nothing for it.
    const stages = new StageMap(mapping, OPTIONS, ['prospect', 'mql', 'tsql', 'sql', 'loyal']);

    expect(stages.lifecycleValue('prospect')).toBe('subscriber'); // nothing lower: the portal's first
    expect(stages.lifecycleValue('tsql')).toBe('marketingqualifiedlead');
    expect(stages.lifecycleValue('loyal')).toBe('salesqualifiedlead');
    expect(stages.unmappedModelStages).toEqual(['prospect', 'tsql', 'loyal']);
    // A shared value reads back as its own stage; the exact stage wins while HubSpot still shows it.
    expect(stages.stageKey('marketingqualifiedlead')).toBe('mql');
    expect(stages.stageKey('marketingqualifiedlead', 'tsql')).toBe('tsql');
    // Someone moved the contact on in HubSpot: the lifecycle stage wins over a stale exact stage.
    expect(stages.stageKey('salesqualifiedlead', 'tsql')).toBe('sql');
    expect(stages.stageKey('marketingqualifiedlead', 'not_a_stage')).toBe('mql');
  });
});
