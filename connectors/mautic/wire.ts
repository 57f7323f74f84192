/**
 * The parts of Mautic's responses the connector reads, validated with zod. Two PHP-isms run through
 * all of them: a list is a JSON object keyed by id (or by request index) when it has keys, but `[]`
 * when empty; and numbers often arrive as strings (`"total": "1"`).
 * @see https://github.com/mautic/developer-documentation-new/blob/main/docs/rest_api/contacts.rst
 */
import { z } from 'zod';

/** `"12"` or `12` → 12. */
export const numberLike = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]).transform(Number);
export const idLike = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);

/** A PHP array: `{ "47": {...} }`, `[{...}]` or `[]`; always returned as `[key, value]` pairs in order. */
export function phpList<T extends z.ZodType>(item: T) {
  return z
    .preprocess(
      (v) => (Array.isArray(v) ? Object.fromEntries(v.map((x, i) => [String(i), x as unknown])) : v),
      z.record(z.string(), item),
    )
    .transform((v) => Object.entries(v) as [string, z.output<T>][]);
}

/** `fields.all` is an object of alias → value, or `[]` for a contact without fields. */
const fieldValues = z
  .union([z.record(z.string(), z.unknown()), z.array(z.unknown()).max(0)])
  .transform((v) => (Array.isArray(v) ? {} : v));

export const contactSchema = z.object({
  id: idLike,
  dateAdded: z.string().nullish(),
  /** Null until the contact is first modified: new contacts only have `dateAdded`. */
  dateModified: z.string().nullish(),
  points: numberLike.nullish(),
  stage: z.object({ id: idLike, name: z.string() }).nullish(),
  fields: z.object({ all: fieldValues }),
  doNotContact: z
    .array(z.object({ channel: z.string(), reason: numberLike.nullish() }))
    .nullish()
    .transform((v) => v ?? []),
});
export type MauticContact = z.output<typeof contactSchema>;

export const contactListSchema = z.object({
  total: numberLike,
  contacts: phpList(contactSchema),
});

export const contactOneSchema = z.object({ contact: contactSchema });

const eventLabel = z.union([z.string(), z.object({ label: z.string() }).loose()]).nullish();

export const activityEventSchema = z
  .object({
    event: z.string(),
    // Page hits use the bare hit id, which PHP may serialize as a number.
    eventId: z.union([z.string(), z.number().transform(String)]).nullish(),
    eventLabel,
    eventType: z.string().nullish(),
    timestamp: z.string(),
    contactId: idLike.nullish(),
    details: z.unknown().optional(),
  })
  .loose();
export type MauticActivityEvent = z.output<typeof activityEventSchema>;

export const activityPageSchema = z.object({
  events: z.array(activityEventSchema),
  total: numberLike.optional(),
  page: numberLike.optional(),
  limit: numberLike.optional(),
  maxPages: numberLike.optional(),
});

export const stageSchema = z.object({
  id: idLike,
  name: z.string(),
  weight: numberLike.nullish(),
  isPublished: z.union([z.boolean(), numberLike]).nullish(),
});
export type MauticStage = z.output<typeof stageSchema>;
export const stageListSchema = z.object({ total: numberLike.optional(), stages: phpList(stageSchema) });
export const stageOneSchema = z.object({ stage: stageSchema });

export const fieldSchema = z.object({ id: idLike, alias: z.string(), type: z.string().nullish() });
export const fieldListSchema = z.object({ total: numberLike.optional(), fields: phpList(fieldSchema) });
export const fieldOneSchema = z.object({ field: fieldSchema });

export const successSchema = z.object({ success: z.union([z.boolean(), numberLike]) });

const batchError = z.object({ message: z.string(), code: numberLike.optional(), type: z.string().nullish() });

/** `PATCH /api/contacts/batch/edit`: everything keyed by the index of the item in the request. */
export const batchEditSchema = z.object({
  contacts: phpList(z.unknown()).optional(),
  statusCodes: phpList(numberLike).optional(),
  errors: phpList(batchError).optional(),
});

/** Mautic's error envelope, `{"errors":[{"message","code","type"}]}`; OAuth endpoints use RFC 6749's. */
export const errorBodySchema = z.union([
  z.object({
    errors: z.array(
      z.object({ message: z.string(), code: numberLike.optional(), type: z.string().nullish() }).loose(),
    ),
  }),
  z.object({ error: z.string(), error_description: z.string().optional() }),
]);

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: numberLike.optional(),
  token_type: z.string().optional(),
});
