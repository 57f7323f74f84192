/**
 * What the org's Lead and Contact objects look like (sObject describe, cached per connector
 * instance) and what leadstage needs there, said in words an admin can act on.
 */
import { z } from 'zod';

import type { SchemaSpec } from '../../src/pipeline/ports.ts';
import type { SalesforceClient } from './client.ts';
import { type SalesforceMapping, scoreField } from './mapping.ts';

/** The value a stage key is written as (the mapping's picklist, else the key itself). */
function stageValue(mapping: SalesforceMapping, key: string): string {
  return mapping.stage.picklist?.map[key] ?? key;
}

const describeFieldSchema = z.looseObject({
  name: z.string(),
  type: z.string(),
  externalId: z.boolean().optional(),
  unique: z.boolean().optional(),
  updateable: z.boolean().optional(),
  createable: z.boolean().optional(),
  length: z.number().optional(),
  restrictedPicklist: z.boolean().optional(),
  picklistValues: z.array(z.looseObject({ value: z.string(), active: z.boolean().optional() })).optional(),
});
const describeSchema = z.looseObject({ name: z.string(), fields: z.array(describeFieldSchema) });

export type DescribedField = z.infer<typeof describeFieldSchema>;
export type HandoffObject = 'Lead' | 'Contact';

export class ObjectSchemas {
  private readonly cache = new Map<string, Promise<Map<string, DescribedField>>>();

  private readonly client: SalesforceClient;
  constructor(client: SalesforceClient) {
    this.client = client;
  }

  /** Fields of `object` by API name; one describe call per object and connector instance. */
  fields(object: string): Promise<Map<string, DescribedField>> {
    let entry = this.cache.get(object);
    if (!entry) {
      entry = this.client
        .call(`GET /sobjects/${object}/describe`, (conn) => conn.describe(object))
        .then((raw) => {
          const parsed = describeSchema.safeParse(raw);
          if (!parsed.success) {
            throw new Error(`unexpected describe answer for ${object}: ${parsed.error.issues[0]?.message}`);
          }
          return new Map(parsed.data.fields.map((f) => [f.name, f]));
        });
      entry.catch(() => this.cache.delete(object));
      this.cache.set(object, entry);
    }
    return entry;
  }
}

interface Wanted {
  field: string;
  kind: 'externalId' | 'text' | 'longText' | 'number';
  label: string;
}

function wantedFields(mapping: SalesforceMapping, spec: SchemaSpec): Wanted[] {
  const dims = [...new Set([...spec.dimensions, 'total'])];
  return [
    { field: mapping.externalIdField, kind: 'externalId', label: 'Leadstage External Id' },
    { field: mapping.stage.to, kind: 'text', label: 'Leadstage Stage' },
    { field: mapping.reason.to, kind: 'longText', label: 'Leadstage Reason' },
    ...dims.map((d): Wanted => ({
      field: scoreField(mapping, d),
      kind: 'number',
      label: d === 'total' ? 'Leadstage Score' : `Leadstage ${d} score`,
    })),
  ];
}

/**
 * Contact handoff of a model with accounts: the account id the Account is upserted by, and each
 * account dimension's score field (same naming as on Contacts).
 */
function accountFields(mapping: SalesforceMapping, spec: SchemaSpec): Wanted[] {
  const dims = spec.accountDimensions ?? [];
  if (dims.length === 0) return [];
  return [
    { field: mapping.account.externalIdField, kind: 'externalId', label: 'Leadstage Account Id' },
    ...dims.map((d): Wanted => ({
      field: scoreField(mapping, d),
      kind: 'number',
      label: `Leadstage ${d} score`,
    })),
  ];
}

const CREATE_AS: Record<Wanted['kind'], string> = {
  externalId: 'a Text(255) field with "External ID" and "Unique" checked',
  text: 'a Text(80) field (or a picklist with the stage labels)',
  longText: `a Text(255) field`,
  number: 'a Number(6, 0) field',
};
const NUMBER_TYPES = new Set(['double', 'int', 'currency', 'percent', 'long']);
const TEXT_TYPES = new Set(['string', 'textarea', 'picklist', 'email', 'phone', 'url']);

/** One line per problem: what to create or change, on which object. Empty when all is in place. */
export async function missingSchema(
  schemas: ObjectSchemas,
  mapping: SalesforceMapping,
  spec: SchemaSpec,
  objects: (HandoffObject | 'Account')[],
): Promise<string[]> {
  const out: string[] = [];
  for (const object of objects) {
    const wanted = object === 'Account' ? accountFields(mapping, spec) : wantedFields(mapping, spec);
    if (wanted.length === 0) continue;
    const fields = await schemas.fields(object);
    for (const want of wanted) {
      const have = fields.get(want.field);
      const where = `${object}.${want.field}`;
      if (!have) {
        out.push(
          `${where} is missing: create ${CREATE_AS[want.kind]} labelled "${want.label}" named ${want.field}`,
        );
        continue;
      }
      if (want.kind === 'externalId') {
        if (!have.externalId) {
          out.push(`${where} exists but is not marked "External ID": edit the field and check External ID`);
        }
        if (have.unique === false) {
          out.push(`${where} is not "Unique": check Unique so Salesforce itself refuses duplicates`);
        }
      } else if (want.kind === 'number' && !NUMBER_TYPES.has(have.type)) {
        out.push(`${where} is a ${have.type} field; scores need a Number field`);
      } else if (want.kind !== 'number' && !TEXT_TYPES.has(have.type)) {
        out.push(`${where} is a ${have.type} field; it needs to hold text`);
      }
      if (want.field === mapping.stage.to && have.type === 'picklist') {
        const values = new Set(
          (have.picklistValues ?? []).filter((v) => v.active !== false).map((v) => v.value),
        );
        const absent = spec.stages.map((st) => stageValue(mapping, st.key)).filter((v) => !values.has(v));
        if (absent.length) {
          out.push(
            `${where} is a picklist without the values ${absent.map((v) => `"${v}"`).join(', ')}: add them`,
          );
        }
      }
      if (have.updateable === false) {
        out.push(`${where} is read-only for the connected user: grant edit access (field-level security)`);
      }
    }
  }
  return out;
}
