/** mappings/salesforce.yaml: validation with path and line, and both directions of the mapping. */
import { describe, expect, it } from 'vitest';

import {
  applyTransforms,
  leadSalesStatus,
  loadSalesforceMapping,
  opportunityState,
  parseSalesforceMapping,
  scoreField,
  toSalesforceFields,
} from '../../../connectors/salesforce/mapping.ts';
import { ConfigError } from '../../../src/errors.ts';
import { handoffRecord } from './helpers.ts';

const mapping = loadSalesforceMapping();

describe('loading', () => {
  it('the shipped mapping file is valid', () => {
    expect(mapping.externalIdField).toBe('Leadstage_External_Id__c');
    expect(mapping.handoff.Lead.length).toBeGreaterThan(5);
  });

  it('names the path and the line of a bad entry', () => {
    const yaml = [
      'externalIdField: Ext__c',
      'handoff:',
      '  Lead:',
      '    - { from: email, to: Email, transform: [trim, shout] }',
      '  Contact: []',
      'account: { from: company }',
      'stage: { to: Stage__c }',
      "scores: { template: 'Score__c' }",
      'reason: { to: Reason__c }',
      'outcomes:',
      '  leadStatus: { map: { Open: opened } }',
    ].join('\n');
    expect(() => parseSalesforceMapping(yaml, 'test.yaml')).toThrow(ConfigError);
    const message = errorMessage(() => parseSalesforceMapping(yaml, 'test.yaml'));
    expect(message).toContain('test.yaml:4: handoff.Lead[0].transform[1]:');
    expect(message).toContain('test.yaml:8: scores.template: must contain {Dimension} or {dimension}');
    expect(message).toContain('test.yaml:11: outcomes.leadStatus.map.Open:');
  });

  it('refuses unknown keys and invalid field names', () => {
    const yaml = loadYamlWith(
      'externalIdField: Leadstage_External_Id__c',
      'externalIdField: "bad name"\nextra: 1',
    );
    expect(() => parseSalesforceMapping(yaml, 'm.yaml')).toThrow(
      /m\.yaml:\d+: externalIdField: must be a Salesforce field API name[\s\S]*Unrecognized key/,
    );
  });

  it('reports broken YAML with its line', () => {
    expect(() => parseSalesforceMapping('a: [1, 2\nb: 3', 'x.yaml')).toThrow(/^x\.yaml:\d+: invalid YAML/);
  });
});

function errorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

function loadYamlWith(find: string, replace: string): string {
  const text = `externalIdField: Leadstage_External_Id__c
handoff: { Lead: [], Contact: [] }
account: { from: company }
stage: { to: Stage__c }
scores: { template: 'Leadstage_{Dimension}_Score__c' }
reason: { to: Reason__c }
outcomes: { leadStatus: { map: {} } }
`;
  return text.replace(find, replace);
}

describe('handoff fields', () => {
  it('maps properties, stage, every score and the reason', () => {
    expect(toSalesforceFields(handoffRecord('1'), 'Lead', mapping)).toStrictEqual({
      Leadstage_External_Id__c: 'hubspot:1',
      Email: 'person.1@example.com',
      FirstName: 'Ada',
      LastName: 'Person 1',
      Company: 'Northwind Labs',
      Title: 'Head of Marketing',
      NumberOfEmployees: 250,
      Industry: 'Technology',
      Leadstage_Stage__c: 'Sales Qualified Lead',
      Leadstage_Contact_Score__c: 25,
      Leadstage_Activity_Score__c: 30,
      Leadstage_Engagement_Score__c: 10,
      Leadstage_Score__c: 65,
      Leadstage_Reason__c: 'SQL: meeting booked, budget approved; contact 25, activity 30, engagement 10',
    });
  });

  it('fills required fields with defaults, leaves blanks out, drops unmapped picklist values', () => {
    const record = handoffRecord('2', {
      properties: {
        email: '',
        lastname: null,
        company: '  ',
        industry: 'Aerospace',
        employees: '40',
        numemployees: 'many',
      },
      stage: 'custom_stage',
      scores: { total: 5 },
      summary: 'x'.repeat(300),
    });
    const fields = toSalesforceFields(record, 'Lead', mapping);
    expect(fields).toStrictEqual({
      Leadstage_External_Id__c: 'hubspot:2',
      LastName: '[not provided]',
      Company: '[not provided]',
      NumberOfEmployees: 40,
      Leadstage_Stage__c: 'custom_stage',
      Leadstage_Score__c: 5,
      Leadstage_Reason__c: `${'x'.repeat(254)}…`,
    });
    expect(String(fields.Leadstage_Reason__c)).toHaveLength(255);
  });

  it('Contact fields have no Company and use MailingCountry', () => {
    const fields = toSalesforceFields(
      handoffRecord('3', { properties: { lastname: 'Doe', company: 'Acme', country: 'France' } }),
      'Contact',
      mapping,
    );
    expect(fields).toMatchObject({ LastName: 'Doe', MailingCountry: 'France' });
    expect(fields).not.toHaveProperty('Company');
  });

  it.each([
    ['contact', 'Leadstage_Contact_Score__c'],
    ['total', 'Leadstage_Score__c'],
    ['icp-fit', 'Leadstage_Icp_fit_Score__c'],
  ])('score field for %s is %s', (dimension, field) => {
    expect(scoreField(mapping, dimension)).toBe(field);
  });

  it.each([
    [' A@B.io ', ['trim', 'lowercase'], 'a@b.io'],
    ['12', ['number'], 12],
    ['12abc', ['number'], null],
    ['yes', ['boolean'], true],
    ['2026-11-26T10:00:00Z', ['date'], '2026-11-26'],
    ['not a date', ['date'], null],
    [null, ['trim'], null],
  ] as const)('transform %j with %j gives %j', (input, transforms, expected) => {
    expect(applyTransforms(input, [...transforms])).toBe(expected);
  });
});

describe('sales outcomes', () => {
  it.each([
    ['Open - Not Contacted', false, 'open'],
    ['Working - Contacted', false, 'working'],
    ['Qualified', false, 'accepted'],
    ['Closed - Not Converted', false, 'disqualified'],
    ['Some Custom Status', false, 'open'],
    ['Working - Contacted', true, 'converted'],
  ] as const)('Lead status %s (converted %s) is %s', (status, converted, expected) => {
    expect(leadSalesStatus(mapping, status, converted)).toBe(expected);
  });

  it.each([
    [{ StageName: 'Prospecting', IsWon: false, IsClosed: false }, 'open'],
    [{ StageName: 'Closed Won', IsWon: true, IsClosed: true }, 'won'],
    [{ StageName: 'Closed Lost', IsWon: false, IsClosed: true }, 'lost'],
  ] as const)('Opportunity %j is %s', (opp, expected) => {
    expect(opportunityState(mapping, opp)).toBe(expected);
  });

  it('an explicit stage map wins over IsWon / IsClosed', () => {
    const custom = {
      ...mapping,
      outcomes: { ...mapping.outcomes, opportunityStage: { map: { 'Verbal Yes': 'won' as const } } },
    };
    expect(opportunityState(custom, { StageName: 'Verbal Yes', IsWon: false, IsClosed: false })).toBe('won');
  });
});
