/**
 * Each contact's company, for account roll-up: the v4 association batch read (contact → company,
 * the primary association preferred), then the companies' firmographics in batches of 100. The
 * company's fields land on the contact as `company_id`, `company` (its name), `company_domain`,
 * `company_industry`, `company_employees` and `company_revenue`, the names account `fit` rules use.
 *
 * @see /work/shared/specs/API-NOTES.md §1.9 (v4 associations, type 1 = primary contact→company)
 * @see https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide
 */
import { z } from 'zod';

import type { Properties } from '../../src/model.ts';
import type { HubspotApi } from './api.ts';

export const COMPANY_ENDPOINTS = {
  associations: 'POST /crm/v4/associations/contact/company/batch/read',
  companies: 'POST /crm/v3/objects/companies/batch/read',
} as const;
/** Contacts per association read: one search page (HubSpot takes up to 1,000). */
export const ASSOCIATION_BATCH = 200;
/** Objects per batch read. */
const COMPANY_BATCH = 100;
const PRIMARY_TYPE_ID = 1;
const COMPANY_PROPERTIES = ['name', 'domain', 'industry', 'numberofemployees', 'annualrevenue'];

const associationsSchema = z.looseObject({
  results: z.array(
    z.looseObject({
      from: z.looseObject({ id: z.coerce.string() }),
      to: z.array(
        z.looseObject({
          toObjectId: z.coerce.string(),
          associationTypes: z.array(z.looseObject({ typeId: z.number() })).default([]),
        }),
      ),
    }),
  ),
});
const companiesSchema = z.looseObject({
  results: z.array(
    z.looseObject({ id: z.coerce.string(), properties: z.record(z.string(), z.string().nullable()) }),
  ),
});

function parsed<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const r = schema.safeParse(data);
  if (!r.success) {
    const where = r.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`HubSpot ${what} response is malformed at ${where}`);
  }
  return r.data;
}

const num = (v: string | null | undefined) => (v && Number.isFinite(Number(v)) ? Number(v) : null);

/** The company fields of each contact that has a company; contacts without one are left out. */
export async function companiesOf(api: HubspotApi, contactIds: string[]): Promise<Map<string, Properties>> {
  const companyOf = new Map<string, string>();
  for (let i = 0; i < contactIds.length; i += ASSOCIATION_BATCH) {
    const inputs = contactIds.slice(i, i + ASSOCIATION_BATCH).map((id) => ({ id }));
    // Contacts without a company come back as per-input errors (207); they simply have none.
    const res = await api.raw<unknown>(COMPANY_ENDPOINTS.associations, 'api', {
      method: 'POST',
      path: '/crm/v4/associations/contact/company/batch/read',
      body: { inputs },
    });
    for (const r of parsed(associationsSchema, res.data, 'association').results) {
      const primary = r.to.find((t) => t.associationTypes.some((a) => a.typeId === PRIMARY_TYPE_ID));
      const chosen = primary ?? r.to[0];
      if (chosen) companyOf.set(r.from.id, chosen.toObjectId);
    }
  }
  const ids = [...new Set(companyOf.values())];
  const fields = new Map<string, Properties>();
  for (let i = 0; i < ids.length; i += COMPANY_BATCH) {
    const res = await api.raw<unknown>(COMPANY_ENDPOINTS.companies, 'api', {
      method: 'POST',
      path: '/crm/v3/objects/companies/batch/read',
      body: { inputs: ids.slice(i, i + COMPANY_BATCH).map((id) => ({ id })), properties: COMPANY_PROPERTIES },
    });
    for (const c of parsed(companiesSchema, res.data, 'companies').results) {
      const p = c.properties;
      const all: Properties = {
        company_id: c.id,
        company: p.name || null,
        company_domain: p.domain?.toLowerCase() || null,
        company_industry: p.industry || null,
        company_employees: num(p.numberofemployees),
        company_revenue: num(p.annualrevenue),
      };
      // A blank company field leaves the contact's own value (its `company` text) as it is.
      fields.set(c.id, Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null)));
    }
  }
  const out = new Map<string, Properties>();
  for (const [contactId, companyId] of companyOf) {
    const f = fields.get(companyId);
    if (f) out.set(contactId, f);
  }
  return out;
}
