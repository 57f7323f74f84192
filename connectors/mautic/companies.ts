/**
 * Each contact's company, for account roll-up. Mautic keeps a contact's primary company's name in
 * its core `company` field (the "Primary company" field); the company itself comes from
 * `GET /api/companies` (API-NOTES §3.2 lists the contact's companies under
 * `/api/contacts/{id}/companies`, one call per contact; the list endpoint filtered by name takes one
 * call per page of contacts instead). Two companies sharing a name: the oldest (lowest id) wins.
 * The fields land on the contact as `company_id`, `company`, `company_domain` (the website's host),
 * `company_industry`, `company_employees` and `company_revenue`, the names account `fit` rules use.
 * Guess (not verified on a running Mautic): `where[]` filters the list on the `companyname` column,
 * as on contacts' columns, and `fields.all` carries the core company aliases.
 */
import { z } from 'zod';

import type { Contact, Properties } from '../../src/model.ts';
import type { MauticClient } from './client.ts';
import { idLike, numberLike, phpList } from './wire.ts';

const companySchema = z.object({
  id: idLike,
  fields: z.object({
    all: z.looseObject({
      companyname: z.string().nullish(),
      companywebsite: z.string().nullish(),
      companyindustry: z.string().nullish(),
      companynumber_of_employees: numberLike.nullish(),
      companyannual_revenue: numberLike.nullish(),
    }),
  }),
});
const companyListSchema = z.object({ total: numberLike, companies: phpList(companySchema) });

/** Names per companies query: the URL stays well under common 8 KB limits. */
const NAMES_PER_QUERY = 50;
const PAGE = 200;

/** `https://www.acme.example/about` → `acme.example`; null for no or an unreadable website. */
export function websiteDomain(website: string | null | undefined): string | null {
  if (!website) return null;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(website) ? website : `https://${website}`);
    return url.hostname.toLowerCase().replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}

/** The companies these names name, by lowercased name. */
async function companiesNamed(client: MauticClient, names: string[]): Promise<Map<string, Properties>> {
  const byName = new Map<string, { id: number; fields: Properties }>();
  for (let i = 0; i < names.length; i += NAMES_PER_QUERY) {
    const part = names.slice(i, i + NAMES_PER_QUERY);
    for (let start = 0; ; start += PAGE) {
      const { data } = await client.request({
        method: 'GET',
        path: '/companies',
        query: { start, limit: PAGE, where: [{ col: 'companyname', expr: 'in', val: part }] },
        schema: companyListSchema,
      });
      for (const [, c] of data.companies) {
        const f = c.fields.all;
        const key = f.companyname?.trim().toLowerCase();
        const id = Number(c.id);
        if (!key || (byName.get(key)?.id ?? Infinity) < id) continue;
        const all: Properties = {
          company_id: c.id,
          company: f.companyname?.trim() ?? null,
          company_domain: websiteDomain(f.companywebsite),
          company_industry: f.companyindustry || null,
          company_employees: f.companynumber_of_employees ?? null,
          company_revenue: f.companyannual_revenue ?? null,
        };
        byName.set(key, {
          id,
          fields: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null)),
        });
      }
      if (data.companies.length < PAGE) break;
    }
  }
  return new Map([...byName].map(([k, v]) => [k, v.fields]));
}

/** The contacts with their primary company's fields added (those without a company unchanged). */
export async function withCompanies(client: MauticClient, contacts: Contact[]): Promise<Contact[]> {
  const nameOf = (c: Contact) => {
    const v = c.properties.company;
    return typeof v === 'string' && v.trim() ? v.trim() : null;
  };
  const names = [...new Set(contacts.map(nameOf).filter((n): n is string => n !== null))];
  if (names.length === 0) return contacts;
  const companies = await companiesNamed(client, names);
  return contacts.map((c) => {
    const company = companies.get(nameOf(c)?.toLowerCase() ?? '');
    return company ? { ...c, properties: { ...c.properties, ...company } } : c;
  });
}
