import { describe, expect, it } from 'vitest';

import type { ContactInput } from '../../../src/model.ts';
import { DEFAULT_PRESET, listPresets, loadModel, parseModelText } from '../../../src/qualification/index.ts';
import { contact, NOW } from './helpers.ts';

const marketer = {
  email: 'mia@northwind.example',
  jobtitle: 'Head of Marketing',
  employees: '250',
  company: 'Northwind',
  industry: 'Software',
  consent: 'true',
};
const bant = { budget: 'approved', authority: 'decision maker', need: 'confirmed', timeline: 'this quarter' };
const engaged: [string, number, ContactInput['properties']?][] = [
  ['form_submit', 2, { formName: 'Ebook download' }],
  ['form_submit', 3, { formName: 'Contact sales' }],
  ['page_view', 1, { url: 'https://x.example/pricing' }],
  ['page_view', 2, { url: 'https://x.example/pricing' }],
  ['page_view', 2, { url: 'https://x.example/docs/api' }],
  ['page_view', 3, { url: 'https://x.example/docs/setup' }],
  ['email_open', 1],
  ['email_click', 1],
  ['email_click', 2],
];
const meeting: [string, number][] = [['meeting_booked', 1]];

/** For each preset, one contact per stage, first to last. */
const cases: Record<string, [stage: string, c: ContactInput][]> = {
  'hubspot-lifecycle': [
    ['subscriber', contact({ email: 'sam@gmail.com' })],
    ['lead', contact({ email: 'sam@gmail.com' }, [['form_submit', 1]])],
    ['marketingqualifiedlead', contact(marketer, engaged)],
    ['salesqualifiedlead', contact(marketer, [...engaged, ...meeting])],
    ['opportunity', contact({ ...marketer, sales_opportunity: 'open' }, [], 'salesqualifiedlead')],
    ['customer', contact({ ...marketer, sales_opportunity: 'won' }, [], 'opportunity')],
    ['evangelist', contact({ ...marketer, sales_opportunity: 'won', nps_score: '10' }, [], 'customer')],
  ],
  'three-stage': [
    ['no_need', contact({ email: 'a@b.example' })],
    ['need', contact({ need: 'confirmed' })],
    ['shortlist', contact(bant)],
  ],
  'seven-step-tsql': [
    ['lead', contact({})],
    ['mql', contact(marketer, engaged)],
    // Tele-Sales Qualified: an MQL a tele-sales rep confirmed.
    ['tsql', contact({ ...marketer, sdr_confirmed: 'true' }, engaged)],
    // TSQL is optional: a fitting contact with a booked meeting is an SQL without the call.
    ['sql', contact({ ...marketer, sdr_confirmed: 'false' }, meeting)],
    ['opportunity', contact({ sales_opportunity: 'open' }, [], 'sql')],
    ['customer', contact({ sales_opportunity: 'won' }, [], 'opportunity')],
    ['loyal_customer', contact({ sales_opportunity: 'won', renewals: '2' }, [], 'customer')],
  ],
  'seven-stage-seed': [
    ['prospect', contact({ email: 'x@y.example' })],
    [
      'lead',
      contact({ email: 'x@y.example', jobtitle: 'Marketing' }, [
        ['form_submit', 1],
        ['email_open', 1],
        ['email_click', 1],
        ['page_view', 1],
        ['page_view', 1],
        ['page_view', 1],
        ['page_view', 1],
      ]),
    ],
    [
      'qualified_lead',
      contact(
        marketer,
        engaged.filter(([, , p]) => p?.formName !== 'Contact sales'),
      ),
    ],
    ['imminent_opportunity', contact(marketer, [...engaged, ...meeting])],
    ['opportunity', contact({ sales_opportunity: 'open' }, [], 'imminent_opportunity')],
    ['quote', contact({ sales_opportunity: 'open', sales_amount: '12000' }, [], 'opportunity')],
    ['won', contact({ sales_opportunity: 'won' }, [], 'quote')],
  ],
  'four-stage': [
    ['prospect', contact({ email: 'x@y.example' })],
    ['mql', contact(marketer, engaged)],
    ['sql', contact(marketer, meeting)],
    ['client', contact({ sales_opportunity: 'won' }, [], 'sql')],
  ],
  'sirius-decisions': [
    ['inquiry', contact({ email: 'x@y.example' })],
    ['mql', contact(marketer, engaged)],
    ['sal', contact({ sales_status: 'accepted' }, [], 'mql')],
    ['sql', contact({ sales_status: 'converted', sales_opportunity: 'open' }, [], 'sal')],
    ['won', contact({ sales_opportunity: 'won' }, [], 'sql')],
  ],
  'b2b-saas-funnel': [
    ['suspect', contact({ email: 'x@y.example' })],
    ['subscriber', contact({ consent: true })],
    ['lead', contact(marketer)],
    ['mql', contact(marketer, engaged)],
    ['sql', contact({ ...marketer, sdr_confirmed: 'true' }, meeting)],
    ['opportunity', contact({ sales_amount: 30000, sales_close_date: '2027-01-31' }, [], 'sql')],
    ['customer', contact({ sales_opportunity: 'won' }, [], 'opportunity')],
  ],
};

describe('shipped presets', () => {
  it('ships exactly the presets tested here, with hubspot-lifecycle as the default', async () => {
    expect(await listPresets()).toEqual(Object.keys(cases).sort());
    expect(DEFAULT_PRESET).toBe('hubspot-lifecycle');
  });

  describe.each(Object.entries(cases))('preset:%s', (name, stages) => {
    it('puts a contact in every stage, in order', async () => {
      const { model } = await loadModel(`preset:${name}`);
      expect(stages.map(([s]) => s)).toEqual(model.stages.map((s) => s.key));
      for (const [expected, c] of stages) {
        const d = model.qualify(c, NOW);
        expect({ stage: d.stage, summary: d.summary }).toMatchObject({ stage: expected });
      }
    });

    it('names the published model it follows', async () => {
      const { source } = await loadModel(`preset:${name}`);
      expect(parseModelText(source.text, source.file).source).toMatch(/^\S.{10,}$/);
    });

    it('hands off at exactly one stage', async () => {
      const { model } = await loadModel(`preset:${name}`);
      expect(model.stages.filter((s) => s.handoff)).toHaveLength(1);
    });
  });

  it('recycles a disqualified SQL back to Lead in the default preset', async () => {
    const { model } = await loadModel(`preset:${DEFAULT_PRESET}`);
    const d = model.qualify(
      contact({ ...marketer, sales_status: 'disqualified' }, meeting, 'salesqualifiedlead'),
      NOW,
    );
    expect(d).toMatchObject({ stage: 'lead', recycled: true });
  });

  it('keeps free-mail addresses and students out of MQL in the default preset', async () => {
    const { model } = await loadModel(`preset:${DEFAULT_PRESET}`);
    expect(model.qualify(contact({ ...marketer, email: 'mia@gmail.com' }, engaged), NOW).stage).toBe('lead');
    expect(model.qualify(contact({ ...marketer, jobtitle: 'Student' }, engaged), NOW).stage).toBe('lead');
  });
});
