/**
 * The `leadstage score` input line, validated: `{"id", "properties", "events", "stage"?, "account"?}`.
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
  return {
    id: c.id,
    properties: c.properties,
    events,
    ...(c.stage !== undefined ? { stage: c.stage } : {}),
    // An account's dimensions are the input of `{ account: … }` conditions: dropping it would
    // score every such condition as 0.
    ...(c.account !== undefined ? { account: c.account } : {}),
  };
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

const isDigit = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};
const two = (s: string, i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;
const CANONICAL_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/**
 * True when `Date.parse(s)` is a date, as the schema's `at` test asks. The shape `toISOString`
 * and every connector emit (`YYYY-MM-DDTHH:MM:SS.sssZ`, fields in range) is a date for V8 (a
 * test holds this to `Date.parse`) and is answered without parsing: `Date.parse` costs more than
 * the rest of the check of a contact's events.
 */
export function parsesAsDate(s: string): boolean {
  if (
    s.length === 24 &&
    s.charCodeAt(4) === 45 /* - */ &&
    s.charCodeAt(7) === 45 &&
    s.charCodeAt(10) === 84 /* T */ &&
    s.charCodeAt(13) === 58 /* : */ &&
    s.charCodeAt(16) === 58 &&
    s.charCodeAt(19) === 46 /* . */ &&
    s.charCodeAt(23) === 90 /* Z */ &&
    CANONICAL_DIGITS.every((i) => isDigit(s, i))
  ) {
    const month = two(s, 5);
    const day = two(s, 8);
    if (
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      two(s, 11) < 24 &&
      two(s, 14) < 60 &&
      two(s, 17) < 60
    ) {
      return true;
    }
  }
  return !Number.isNaN(Date.parse(s));
}

/**
 * The contact when `json` is exactly what contactInputSchema accepts (never looser); else
 * undefined. The parsed objects are the contact: nothing is copied (a line is parsed for this
 * contact alone), only a numeric id becomes text and absent lists become empty.
 */
function wellFormed(json: unknown): ContactInput | undefined {
  if (!isRecord(json)) return undefined;
  for (const k in json) {
    if (k !== 'id' && k !== 'properties' && k !== 'events' && k !== 'stage') return undefined;
  }
  const { id, properties, events, stage } = json;
  if (!((typeof id === 'string' && id !== '') || typeof id === 'number')) return undefined;
  if (properties !== undefined && !isProperties(properties)) return undefined;
  if (events !== undefined && !Array.isArray(events)) return undefined;
  if (stage !== undefined && (typeof stage !== 'string' || stage === '')) return undefined;
  for (const e of (events ?? []) as unknown[]) {
    if (!isRecord(e)) return undefined;
    for (const k in e) if (k !== 'type' && k !== 'at' && k !== 'properties') return undefined;
    const { type, at, properties: p } = e;
    if (typeof type !== 'string' || type === '' || typeof at !== 'string' || !parsesAsDate(at)) {
      return undefined;
    }
    if (p !== undefined && !isProperties(p)) return undefined;
  }
  if (typeof id === 'number') json.id = String(id);
  if (properties === undefined) json.properties = {};
  if (events === undefined) json.events = [];
  return json as unknown as ContactInput;
}
