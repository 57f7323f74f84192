import { describe, expect, it } from 'vitest';

import { contact, passes } from './helpers.ts';

describe('property conditions', () => {
  it.each([
    ['{ property: jobtitle, equals: Marketing }', { jobtitle: 'marketing ' }, true],
    ['{ property: jobtitle, equals: Marketing }', { jobtitle: 'Marketing Manager' }, false],
    ['{ property: employees, equals: 200 }', { employees: '200' }, true],
    ['{ property: employees, equals: "200" }', { employees: 200 }, true],
    ['{ property: consent, equals: true }', { consent: 'true' }, true],
    ['{ property: consent, equals: true }', { consent: 'false' }, false],
    ['{ property: consent, equals: "true" }', { consent: true }, true],
    ['{ property: country, in: [France, Germany] }', { country: 'FRANCE' }, true],
    ['{ property: country, notIn: [France, Germany] }', { country: 'Spain' }, true],
    ['{ property: country, notIn: [France, Germany] }', { country: ' germany' }, false],
    ['{ property: industry, in: [Software, 200, true] }', { industry: ' SOFTWARE ' }, true],
    ['{ property: industry, in: [Software, 200, true] }', { industry: '200.0' }, true],
    ['{ property: industry, in: [Software, 200, true] }', { industry: 'yes' }, true],
    ['{ property: industry, in: [Software, 200, true] }', { industry: 'Soft' }, false],
    ['{ property: industry, in: [Software, 200, true] }', { industry: 'Softwares' }, false],
    ['{ property: city, in: [Istanbul] }', { city: '\u0130stanbul' }, false],
    ['{ property: city, in: ["istanbul"] }', { city: 'ISTANBUL\u00a0' }, true],
    ['{ property: jobtitle, contains: market }', { jobtitle: 'Head of MARKETING' }, true],
    ['{ property: jobtitle, matches: "^(vp|head)\\\\b" }', { jobtitle: 'VP Sales' }, true],
    ['{ property: jobtitle, matches: "^(vp|head)\\\\b" }', { jobtitle: 'Vpx' }, false],
    ['{ property: email, exists: true }', { email: '' }, false],
    ['{ property: email, exists: false }', {}, true],
    ['{ property: employees, gt: 50 }', { employees: '51' }, true],
    ['{ property: employees, gte: 50, lt: 100 }', { employees: '100' }, false],
    ['{ property: employees, gt: 50 }', { employees: 'many' }, false],
    ['{ property: email, endsWith: "@gmail.com" }', { email: 'A@GMAIL.COM' }, true],
    ['{ property: sales_close_date, lte: "2026-12-31" }', { sales_close_date: '2026-12-01' }, true],
    ['{ property: sales_close_date, lte: "2026-12-31" }', { sales_close_date: '2027-01-02' }, false],
  ])('%s with %j → %s', (cond, props, expected) => {
    expect(passes(cond, contact(props))).toBe(expected);
  });
});

describe('event conditions', () => {
  const c = contact({}, [
    ['page_view', 2, { url: 'https://x.example/pricing' }],
    ['page_view', 40, { url: 'https://x.example/pricing' }],
    ['page_view', 1, { url: 'https://x.example/blog' }],
    ['form_submit', 3],
  ]);
  it.each([
    ['{ event: page_view }', true],
    ['{ event: meeting_booked }', false],
    ['{ event: page_view, count: { gte: 3 } }', true],
    ['{ event: page_view, count: { gte: 4 } }', false],
    ['{ event: page_view, where: { url: { contains: /PRICING } }, count: { gte: 2 } }', true],
    [
      '{ event: page_view, where: { url: { contains: /pricing } }, withinDays: 30, count: { gte: 2 } }',
      false,
    ],
    ['{ event: page_view, where: { url: { contains: /pricing } }, withinDays: 30 }', true],
    ['{ event: [form_submit, meeting_booked], count: { equals: 1 } }', true],
  ])('%s → %s', (cond, expected) => {
    expect(passes(cond, c)).toBe(expected);
  });
});

describe('all, any, not', () => {
  const c = contact({ jobtitle: 'CMO', email: 'x@acme.example' }, [['form_submit', 1]]);
  it.each([
    ['{ all: [{ property: jobtitle, equals: cmo }, { event: form_submit }] }', true],
    ['{ all: [{ property: jobtitle, equals: cmo }, { event: page_view }] }', false],
    ['{ any: [{ event: page_view }, { property: email, matches: "@acme\\\\." }] }', true],
    ['{ not: { any: [{ event: page_view }, { property: email, contains: gmail }] } }', true],
    ['{ all: [{ not: { event: form_submit } }] }', false],
  ])('%s → %s', (cond, expected) => {
    expect(passes(cond, c)).toBe(expected);
  });
});
