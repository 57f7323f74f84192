/**
 * Loads `mappings/hubspot.yaml`: which HubSpot properties feed which canonical fields, how model
 * stage keys become lifecycle stages, what we write back, and how engagement maps to event types.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { z } from 'zod';

import { ConfigError } from '../../src/errors.ts';
import { EVENT_TYPES, type PropertyValue } from '../../src/model.ts';
import type { MappingFormat, MappingOutline } from '../../src/pipeline/ports.ts';
import { parseMappingYaml } from '../mapping-yaml.ts';

export const DEFAULT_MAPPING_PATH = fileURLToPath(new URL('../../mappings/hubspot.yaml', import.meta.url));

const propertyName = z.string().regex(/^[a-z0-9_]+$/, 'a HubSpot internal property name (a-z, 0-9, _)');
const valueType = z.enum(['string', 'number', 'boolean', 'exists']);
const canonicalType = z.enum(EVENT_TYPES);

const contactProperty = z.union([
  propertyName.transform((property) => ({ property, type: 'string' as const })),
  z.strictObject({ property: propertyName, type: valueType.default('string') }),
]);

const stageTarget = z.union([
  z
    .string()
    .min(1)
    .transform((value) => ({ value })),
  z.strictObject({ label: z.string().min(1) }),
]);

export const hubspotMappingSchema = z.strictObject({
  contactProperties: z.record(z.string().min(1), contactProperty),
  stages: z.record(z.string().min(1), stageTarget).default({}),
  writeBack: z.strictObject({
    /** Enumeration of the model's stages: the exact stage, whatever lifecycle value stands for it. */
    stage: propertyName.default('leadstage_stage'),
    scorePrefix: propertyName,
    reason: propertyName,
    modelVersion: propertyName,
    groupName: propertyName.default('contactinformation'),
  }),
  engagement: z
    .strictObject({
      emailEvents: z.record(z.string().regex(/^[A-Z_]+$/), canonicalType).default({}),
      webEvents: z.record(z.string().min(1), canonicalType).default({}),
      meetingBookedProperty: z.union([propertyName, z.literal('')]).default(''),
    })
    .default({ emailEvents: {}, webEvents: {}, meetingBookedProperty: '' }),
});

export type HubspotMapping = z.infer<typeof hubspotMappingSchema>;
export type ContactPropertyMapping = HubspotMapping['contactProperties'][string];

/** Parses mapping YAML; errors name the file, the line and the field path. */
export function parseHubspotMapping(text: string, source = 'mappings/hubspot.yaml'): HubspotMapping {
  const result = parseMappingYaml(text, source, hubspotMappingSchema);
  if (result.ok) return result.value;
  throw new ConfigError(`${source} is invalid:\n${result.problems.map((p) => `  ${p}`).join('\n')}`);
}

/** What the core shows of a HubSpot mapping and checks a model against. */
export function outlineHubspotMapping(mapping: HubspotMapping): MappingOutline {
  const { engagement, writeBack } = mapping;
  return {
    facts: Object.entries(mapping.contactProperties).map(([property, m]) => ({
      property,
      field: m.property,
    })),
    stages: Object.fromEntries(
      Object.entries(mapping.stages).map(([key, t]) => [key, 'value' in t ? t.value : `label:${t.label}`]),
    ),
    unmappedStage: 'nearest_lower',
    eventTypes: [
      ...new Set([
        ...Object.values(engagement.emailEvents),
        ...Object.values(engagement.webEvents),
        ...(engagement.meetingBookedProperty ? ['meeting_booked'] : []),
      ]),
    ],
    writeFields: [writeBack.stage, `${writeBack.scorePrefix}*`, writeBack.reason, writeBack.modelVersion],
  };
}

export const hubspotMappingFormat: MappingFormat = {
  defaultText: () => readFileSync(DEFAULT_MAPPING_PATH, 'utf8'),
  outline: (text, source) => outlineHubspotMapping(parseHubspotMapping(text, source)),
};

const cache = new Map<string, HubspotMapping>();

export function loadHubspotMapping(path = DEFAULT_MAPPING_PATH): HubspotMapping {
  let mapping = cache.get(path);
  if (!mapping) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read HubSpot mapping ${path}: ${(err as Error).message}`);
    }
    mapping = parseHubspotMapping(text, path);
    cache.set(path, mapping);
  }
  return mapping;
}

/** HubSpot sends every value as a string (or null); converts one to the mapped canonical type. */
export function convertValue(
  raw: string | null | undefined,
  type: ContactPropertyMapping['type'],
): PropertyValue {
  if (type === 'exists') return raw !== null && raw !== undefined && raw !== '';
  if (raw === null || raw === undefined || raw === '') return null;
  if (type === 'number') {
    const n = Number(raw);
    return Number.isFinite(n) ? n : null;
  }
  if (type === 'boolean') return raw === 'true';
  return raw;
}

/** The HubSpot property names a contact pull must request. */
export function contactPropertyNames(mapping: HubspotMapping): string[] {
  const names = new Set([
    'lifecyclestage',
    mapping.writeBack.stage,
    'lastmodifieddate',
    'createdate',
    'hs_object_id',
    // Ids merged into the contact: their links and history move to it.
    'hs_merged_object_ids',
  ]);
  for (const m of Object.values(mapping.contactProperties)) names.add(m.property);
  return [...names];
}

/** HubSpot property that holds a score dimension; dimension keys are reduced to HubSpot's alphabet. */
export function scorePropertyName(mapping: HubspotMapping, dimension: string): string {
  const safe = dimension
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `${mapping.writeBack.scorePrefix}${safe || 'unnamed'}`;
}
