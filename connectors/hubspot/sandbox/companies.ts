/**
 * The sandbox portal's companies and contact→company associations, with the wire shapes of the
 * two reads the connector makes:
 * - `POST /crm/v4/associations/contact/company/batch/read` `{inputs:[{id}]}` (API-NOTES §1.9) →
 *   `{status, results:[{from:{id}, to:[{toObjectId, associationTypes:[{category, typeId, label}]}]}],
 *   startedAt, completedAt}`; the primary company carries type 1 besides the unlabelled 279.
 * - `POST /crm/v3/objects/companies/batch/read` `{inputs:[{id}], properties}` → the batch envelope
 *   of `SimplePublicObject`s (API-NOTES §1.3 object shape), every value a string.
 * Guess (not in the notes): contacts with no company come back in `errors[]` with a 207 and
 * subCategory `crm.associations.NO_ASSOCIATIONS_FOUND`, as HubSpot's v4 batch read answers them.
 */
import type { SyntheticCompany } from '../../sandbox-data.ts';

export interface StoredCompany {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** HUBSPOT_DEFINED contact→company association types (API-NOTES §1.9). */
export const CONTACT_TO_COMPANY = 279;
export const PRIMARY_CONTACT_TO_COMPANY = 1;

export class CompanyBook {
  companies = new Map<string, StoredCompany>();
  /** Contact id → its companies, the primary first. */
  associations = new Map<string, string[]>();
  private nextId = 1;

  /** A company as if created in HubSpot at `atMs`; returns its id. */
  add(properties: Record<string, string>, atMs: number): string {
    const id = String(9_000_000 + this.nextId++);
    const at = new Date(atMs).toISOString();
    this.companies.set(id, {
      id,
      createdAt: at,
      updatedAt: at,
      properties: { ...properties, hs_object_id: id, createdate: at, hs_lastmodifieddate: at },
    });
    return id;
  }

  addSynthetic(c: SyntheticCompany, atMs: number): string {
    return this.add(
      {
        name: c.name,
        domain: c.domain,
        industry: c.industry,
        numberofemployees: String(c.employees),
        annualrevenue: String(c.annualRevenue),
      },
      atMs,
    );
  }

  /** Associates a contact with a company; `primary` makes it the contact's primary company. */
  associate(contactId: string, companyId: string, primary = true): void {
    if (!this.companies.has(companyId)) throw new Error(`sandbox has no company ${companyId}`);
    const rest = (this.associations.get(contactId) ?? []).filter((id) => id !== companyId);
    this.associations.set(contactId, primary ? [companyId, ...rest] : [...rest, companyId]);
  }

  /** The v4 batch read's results and errors for these contact ids. */
  readAssociations(ids: string[]): { results: unknown[]; missing: string[] } {
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const to = this.associations.get(id) ?? [];
      if (to.length === 0) {
        missing.push(id);
        continue;
      }
      results.push({
        from: { id },
        to: to.map((companyId, i) => ({
          toObjectId: Number(companyId),
          associationTypes: [
            ...(i === 0
              ? [{ category: 'HUBSPOT_DEFINED', typeId: PRIMARY_CONTACT_TO_COMPANY, label: 'Primary' }]
              : []),
            { category: 'HUBSPOT_DEFINED', typeId: CONTACT_TO_COMPANY, label: null },
          ],
        })),
      });
    }
    return { results, missing };
  }
}
