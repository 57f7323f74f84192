/**
 * Loads `mappings/mautic.yaml`, validated by zod; an error names the path and line of the bad entry.
 */
import { readFileSync } from 'node:fs';

import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

import { EVENT_TYPES } from '../../src/model.ts';
import { ValidationError } from '../../src/errors.ts';
import type { MappingFormat, MappingOutline } from '../../src/pipeline/ports.ts';

const alias = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'a Mautic field alias: lowercase letters, digits, underscores')
  .max(25, 'Mautic field aliases are kept to 25 characters');

const transform = z.enum(['trim', 'lowercase', 'number', 'boolean']);

export const mauticMappingSchema = z
  .object({
    contactFields: z
      .array(
        z
          .object({
            from: z.string().min(1),
            to: z.string().min(1),
            transform: z.array(transform).default([]),
          })
          .strict(),
      )
      .min(1),
    consent: z
      .object({ channel: z.string().min(1), to: z.string().min(1) })
      .strict()
      .optional(),
    points: z
      .object({ to: z.string().min(1) })
      .strict()
      .optional(),
    stages: z.record(z.string().min(1), z.string().min(1)),
    writeBack: z
      .object({
        scoreFieldTemplate: z.string().includes('{dimension}'),
        scoreFields: z.record(z.string(), alias).default({}),
        reasonField: alias,
        // A Mautic text field holds at most 191 characters (TextType's Length in
        // EntityFieldsBuildFormTrait.php), whatever its charLengthLimit.
        reasonMaxLength: z
          .number()
          .int()
          .positive()
          .max(191, 'a Mautic text field holds at most 191 characters')
          .default(191),
        modelVersionField: alias,
      })
      .strict(),
    events: z.array(
      z
        .object({
          event: z.string().min(1),
          whenDetail: z.string().min(1).optional(),
          /** Detail path → the value it must have (case-insensitive), e.g. `hit.source: email`. */
          whenDetailIs: z.record(z.string().min(1), z.string()).optional(),
          /** Detail path → text the value must contain (case-insensitive). */
          whenDetailContains: z.record(z.string().min(1), z.string().min(1)).optional(),
          type: z.enum(EVENT_TYPES),
        })
        .strict(),
    ),
  })
  .strict();

export type MauticMapping = z.output<typeof mauticMappingSchema>;

export const DEFAULT_MAUTIC_MAPPING_PATH = new URL('../../mappings/mautic.yaml', import.meta.url);

/** Parses mapping YAML text; `source` names the file in error messages. */
export function parseMauticMapping(text: string, source = 'mappings/mautic.yaml'): MauticMapping {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ValidationError(`${source}:${e.linePos?.[0].line ?? '?'}: ${e.message}`);
  }
  const result = mauticMappingSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => {
    const node = doc.getIn(issue.path as (string | number)[], true) as
      { range?: [number, number] } | undefined;
    const line = node?.range ? lines.linePos(node.range[0]).line : '?';
    return `${source}:${line}: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
  });
  throw new ValidationError(messages.join('\n'));
}

let cached: MauticMapping | undefined;

/** The project's mapping file, read once. */
export function loadMauticMapping(): MauticMapping {
  cached ??= parseMauticMapping(readFileSync(DEFAULT_MAUTIC_MAPPING_PATH, 'utf8'));
  return cached;
}

/** Score field alias for a dimension (`total` included). */
export function scoreFieldFor(mapping: MauticMapping, dimension: string): string {
  const explicit = mapping.writeBack.scoreFields[dimension];
  if (explicit) return explicit;
  const name = mapping.writeBack.scoreFieldTemplate.replace('{dimension}', dimension.toLowerCase());
  const clean = name.replace(/[^a-z0-9_]/g, '_').slice(0, 25);
  return clean;
}

/** What the core shows of a Mautic mapping and checks a model against. */
export function outlineMauticMapping(mapping: MauticMapping): MappingOutline {
  const wb = mapping.writeBack;
  return {
    facts: [
      ...mapping.contactFields.map((f) => ({ property: f.to, field: f.from })),
      ...(mapping.consent
        ? [{ property: mapping.consent.to, field: `do-not-contact:${mapping.consent.channel}` }]
        : []),
      ...(mapping.points ? [{ property: mapping.points.to, field: 'points' }] : []),
    ],
    stages: { ...mapping.stages },
    // A model stage the mapping does not name gets a Mautic stage named after its label (ensureSchema).
    unmappedStage: 'created_from_label',
    eventTypes: [...new Set(mapping.events.map((e) => e.type))],
    writeFields: [
      ...new Set([
        wb.scoreFieldTemplate,
        ...Object.values(wb.scoreFields),
        wb.reasonField,
        wb.modelVersionField,
      ]),
    ],
  };
}

export const mauticMappingFormat: MappingFormat = {
  defaultText: () => readFileSync(DEFAULT_MAUTIC_MAPPING_PATH, 'utf8'),
  outline: (text, source) => outlineMauticMapping(parseMauticMapping(text, source)),
};
