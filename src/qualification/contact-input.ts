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
});

/** Parses one JSON line; the error names the field that is wrong. */
export function parseContactLine(line: string): ContactInput {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`, { cause: err });
  }
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
