/**
 * The `leadstage score` input line, validated: `{"id", "properties", "events", "stage"?}`.
 */
import { z } from 'zod';

import type { ContactInput } from '../model.ts';

const value = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const properties = z.record(z.string(), value);

export const contactInputSchema = z.strictObject({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  properties: properties.default({}),
  events: z
    .array(
      z.strictObject({
        type: z.string().min(1),
        at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date'),
        properties: properties.optional(),
      }),
    )
    .default([]),
  stage: z.string().min(1).optional(),
  account: z.strictObject({ id: z.string().min(1), scores: z.record(z.string(), z.number()) }).optional(),
});

/** Parses one JSON line; the error names the field that is wrong. */
export function parseContactLine(line: string): ContactInput {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`, { cause: err });
  }
  // zod costs more than scoring the contact; a plain check of the same shape answers for the
  // lines that are right, and zod still words the error for a line that is not.
  const fast = wellFormed(json);
  if (fast) return fast;
  const r = contactInputSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'line';
    throw new Error(`${where}: ${issue.message}`);
  }
  const c = r.data;
  const events = c.events.map((e) => ({
    type: e.type,
    at: e.at,
    ...(e.properties ? { properties: e.properties } : {}),
  }));
  return { id: c.id, properties: c.properties, events, ...(c.stage !== undefined ? { stage: c.stage } : {}) };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function isProperties(v: unknown): v is ContactInput['properties'] {
  if (!isRecord(v)) return false;
  for (const k in v) {
    const x = v[k];
    if (x !== null && typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') return false;
  }
  return true;
}

/** The contact when `json` is exactly what contactInputSchema accepts (never looser); else undefined. */
function wellFormed(json: unknown): ContactInput | undefined {
  if (!isRecord(json)) return undefined;
  for (const k in json) {
    if (k !== 'id' && k !== 'properties' && k !== 'events' && k !== 'stage') return undefined;
  }
  const { id, properties = {}, events = [], stage } = json;
  if (!((typeof id === 'string' && id !== '') || typeof id === 'number')) return undefined;
  if (!isProperties(properties) || !Array.isArray(events)) return undefined;
  if (stage !== undefined && (typeof stage !== 'string' || stage === '')) return undefined;
  const out: ContactInput['events'] = [];
  for (const e of events as unknown[]) {
    if (!isRecord(e)) return undefined;
    for (const k in e) if (k !== 'type' && k !== 'at' && k !== 'properties') return undefined;
    const { type, at, properties: p } = e;
    if (typeof type !== 'string' || type === '' || typeof at !== 'string' || Number.isNaN(Date.parse(at))) {
      return undefined;
    }
    if (p !== undefined && !isProperties(p)) return undefined;
    out.push(p === undefined ? { type, at } : { type, at, properties: p });
  }
  return { id: String(id), properties, events: out, ...(stage !== undefined ? { stage } : {}) };
}
