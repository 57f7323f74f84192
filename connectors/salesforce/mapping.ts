/**
 * `mappings/salesforce.yaml`: validated with zod (errors name the path and line), then applied in
 * both directions: a HandoffRecord becomes Salesforce fields, Salesforce picklists become the
 * canonical sales facts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

import { ConfigError } from '../../src/errors.ts';
import { SALES_FACTS, type HandoffRecord, type PropertyValue } from '../../src/model.ts';
import type { MappingFormat, MappingOutline } from '../../src/pipeline/ports.ts';

export const DEFAULT_MAPPING_FILE = fileURLToPath(new URL('../../mappings/salesforce.yaml', import.meta.url));

const fieldName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a Salesforce field API name (letters, digits, _)');

const TRANSFORMS = ['trim', 'lowercase', 'uppercase', 'number', 'boolean', 'date', 'string'] as const;
export type Transform = (typeof TRANSFORMS)[number];

const picklistSchema = z
  .object({
    map: z.record(z.string(), z.string()),
    /** null: leave the field out for unmapped values; absent: pass the value through. */
    default: z.string().nullable().optional(),
  })
  .strict();

const fieldRuleSchema = z
  .object({
    from: z.string().min(1),
    to: fieldName,
    transform: z.array(z.enum(TRANSFORMS)).default([]),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    picklist: picklistSchema.optional(),
  })
  .strict();

const SALES_STATUSES = ['open', 'working', 'accepted', 'disqualified', 'converted'] as const;
const OPPORTUNITY_STATES = ['none', 'open', 'won', 'lost'] as const;
export type SalesStatus = (typeof SALES_STATUSES)[number];
export type OpportunityState = (typeof OPPORTUNITY_STATES)[number];

export const salesforceMappingSchema = z
  .object({
    externalIdField: fieldName,
    handoff: z.object({ Lead: z.array(fieldRuleSchema), Contact: z.array(fieldRuleSchema) }).strict(),
    account: z
      .object({
        from: z.string().min(1),
        matchField: fieldName.default('Name'),
        // Holds leadstage's account id (source-namespaced, like the contacts' external id).
        externalIdField: fieldName.default('Leadstage_Account_Id__c'),
      })
      .strict(),
    stage: z.object({ to: fieldName, picklist: picklistSchema.optional() }).strict(),
    scores: z
      .object({
        template: z.string().refine((t) => t.includes('{Dimension}') || t.includes('{dimension}'), {
          message: 'must contain {Dimension} or {dimension}',
        }),
        fields: z.record(z.string(), fieldName).default({}),
      })
      .strict(),
    reason: z.object({ to: fieldName, maxLength: z.number().int().positive().default(255) }).strict(),
    outcomes: z
      .object({
        leadStatus: z
          .object({
            map: z.record(z.string(), z.enum(SALES_STATUSES)),
            default: z.enum(SALES_STATUSES).default('open'),
          })
          .strict(),
        opportunityStage: z
          .object({ map: z.record(z.string(), z.enum(OPPORTUNITY_STATES)).default({}) })
          .strict()
          .default({ map: {} }),
      })
      .strict(),
  })
  .strict();

export type SalesforceMapping = z.infer<typeof salesforceMappingSchema>;
export type FieldRule = z.infer<typeof fieldRuleSchema>;
export type SalesforceValue = string | number | boolean | null;

/** Parses and validates mapping YAML; `source` names the file in error messages. */
export function parseSalesforceMapping(text: string, source = 'mappings/salesforce.yaml'): SalesforceMapping {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new ConfigError(`${source}${line ? `:${line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const result = salesforceMappingSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const line = lineOf(doc, lineCounter, path);
    return `${source}${line ? `:${line}` : ''}: ${formatPath(path) || '(root)'}: ${issue.message}`;
  });
  throw new ConfigError(`invalid Salesforce mapping:\n${lines.join('\n')}`);
}

export function loadSalesforceMapping(file = DEFAULT_MAPPING_FILE): SalesforceMapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read Salesforce mapping ${file}: ${(err as Error).message}`);
  }
  return parseSalesforceMapping(text, file);
}

/** What the core shows of a Salesforce mapping and checks a model against. */
export function outlineSalesforceMapping(mapping: SalesforceMapping): MappingOutline {
  return {
    // The closed loop's facts (connectors/salesforce/outcomes.ts reads these fields).
    facts: [
      { property: SALES_FACTS.status, field: 'Lead.Status' },
      { property: SALES_FACTS.opportunity, field: 'Opportunity.StageName' },
      { property: SALES_FACTS.amount, field: 'Opportunity.Amount' },
      { property: SALES_FACTS.closeDate, field: 'Opportunity.CloseDate' },
    ],
    stages: { ...(mapping.stage.picklist?.map ?? {}) },
    unmappedStage: 'passthrough',
    eventTypes: [],
    writeFields: [mapping.externalIdField, mapping.stage.to, mapping.reason.to, scoreField(mapping, '*')],
  };
}

export const salesforceMappingFormat: MappingFormat = {
  defaultText: () => readFileSync(DEFAULT_MAPPING_FILE, 'utf8'),
  outline: (text, source) => outlineSalesforceMapping(parseSalesforceMapping(text, source)),
};

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The line of the deepest node on `path` that exists (a missing key points at its parent). */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  path: (string | number)[],
): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Handoff direction

export function applyTransforms(value: PropertyValue | undefined, transforms: Transform[]): SalesforceValue {
  let v: SalesforceValue = value ?? null;
  for (const t of transforms) {
    if (v === null) return null;
    switch (t) {
      case 'trim':
        v = String(v).trim();
        break;
      case 'lowercase':
        v = String(v).toLowerCase();
        break;
      case 'uppercase':
        v = String(v).toUpperCase();
        break;
      case 'string':
        v = String(v);
        break;
      case 'number': {
        const n = typeof v === 'number' ? v : Number(String(v).trim());
        v = String(v).trim() !== '' && Number.isFinite(n) ? n : null;
        break;
      }
      case 'boolean':
        v = typeof v === 'boolean' ? v : /^(true|yes|1)$/i.test(String(v).trim());
        break;
      case 'date': {
        const ms = Date.parse(String(v));
        v = Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 10);
        break;
      }
    }
  }
  return v === '' ? null : v;
}

function applyPicklist(value: SalesforceValue, picklist: FieldRule['picklist']): SalesforceValue | undefined {
  if (!picklist || value === null) return value;
  const mapped = picklist.map[String(value)];
  if (mapped !== undefined) return mapped;
  if (picklist.default === undefined) return value;
  return picklist.default ?? undefined;
}

/** The Salesforce field holding one score dimension (or `total`). */
export function scoreField(mapping: SalesforceMapping, dimension: string): string {
  const explicit = mapping.scores.fields[dimension];
  if (explicit) return explicit;
  const safe = dimension.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const upper = safe.charAt(0).toUpperCase() + safe.slice(1);
  return mapping.scores.template.replace('{Dimension}', upper).replace('{dimension}', safe);
}

/** Every custom field a handoff writes for these dimensions (external id first). */
export function leadstageFields(mapping: SalesforceMapping, dimensions: readonly string[]): string[] {
  const dims = [...new Set([...dimensions, 'total'])];
  return [
    mapping.externalIdField,
    mapping.stage.to,
    mapping.reason.to,
    ...dims.map((d) => scoreField(mapping, d)),
  ];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

/**
 * The fields one record is written with. Empty source values are left out rather than sent as
 * null, so a handoff never blanks what a rep typed into Salesforce.
 */
export function toSalesforceFields(
  record: HandoffRecord,
  object: 'Lead' | 'Contact',
  mapping: SalesforceMapping,
): Record<string, SalesforceValue> {
  const out: Record<string, SalesforceValue> = { [mapping.externalIdField]: record.externalId };
  const defaults: Record<string, SalesforceValue> = {};
  for (const rule of mapping.handoff[object]) {
    if (out[rule.to] !== undefined) continue;
    const value = applyPicklist(applyTransforms(record.properties[rule.from], rule.transform), rule.picklist);
    if (value !== null && value !== undefined) out[rule.to] = value;
    else if (rule.default !== undefined) defaults[rule.to] ??= rule.default;
  }
  // Defaults only fill fields no rule produced a value for (two rules may target one field).
  for (const [field, value] of Object.entries(defaults)) out[field] ??= value;
  out[mapping.stage.to] = applyPicklist(record.stage, mapping.stage.picklist) ?? record.stage;
  for (const [dimension, score] of Object.entries(record.scores)) out[scoreField(mapping, dimension)] = score;
  out[mapping.reason.to] = truncate(record.summary, mapping.reason.maxLength);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Closed-loop direction

export function leadSalesStatus(
  mapping: SalesforceMapping,
  status: string | null,
  isConverted: boolean,
): SalesStatus {
  if (isConverted) return 'converted';
  const rule = mapping.outcomes.leadStatus;
  return (status !== null ? rule.map[status] : undefined) ?? rule.default;
}

export function opportunityState(
  mapping: SalesforceMapping,
  opp: { StageName: string | null; IsWon: boolean; IsClosed: boolean },
): OpportunityState {
  const mapped = opp.StageName !== null ? mapping.outcomes.opportunityStage.map[opp.StageName] : undefined;
  if (mapped) return mapped;
  if (opp.IsWon) return 'won';
  return opp.IsClosed ? 'lost' : 'open';
}
