/** Salesforce per-record results (Collections SaveResult/UpsertResult) → leadstage outcomes. */
import { z } from 'zod';

import { TransientError } from '../../src/errors.ts';
import type { HandoffResult, RecordFailure } from '../../src/model.ts';
import type { SalesforceValue } from './mapping.ts';

/** Per-record codes that may succeed on a later attempt. */
const RETRYABLE_RECORD_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'UNPROCESSED', 'SERVER_UNAVAILABLE']);

// Collections answers carry `statusCode`; jsforce's types and the REST envelope say `errorCode`.
const saveErrorSchema = z.looseObject({
  statusCode: z.string().optional(),
  errorCode: z.string().optional(),
  message: z.string().default(''),
  fields: z.array(z.string()).optional(),
  // jsforce's MULTIPLE_CHOICES error carries the 300 answer's body here.
  data: z.unknown().optional(),
});
const saveResultSchema = z.looseObject({
  id: z.string().nullish(),
  success: z.boolean(),
  created: z.boolean().optional(),
  errors: z.array(saveErrorSchema).default([]),
});
const saveResultsSchema = z.array(saveResultSchema);

export type SaveResult = z.infer<typeof saveResultSchema>;

/** One record ready to write: its external id and the Salesforce fields. */
export interface Row {
  externalId: string;
  fields: Record<string, SalesforceValue>;
}

/** The failure code of an external id that matched several records, whichever way Salesforce said it. */
export const MULTIPLE_CHOICES = 'MULTIPLE_CHOICES';

/** The record ids in a 300 answer's list of record URLs (`/services/data/vXX.X/sobjects/Lead/00Q…`). */
function idsFromUrls(data: unknown): string[] {
  if (!Array.isArray(data)) return [];
  return data.flatMap((u) => (typeof u === 'string' && u.split('/').at(-1) ? [u.split('/').at(-1)!] : []));
}

/**
 * The records an upsert's external id matched, when it matched several: the single-record resource
 * answers 300 with their URLs (jsforce: errorCode MULTIPLE_CHOICES, the list in `data`); Collections
 * and Bulk say `DUPLICATE_EXTERNAL_ID … more than one record found for external id field: [id, id]`.
 */
function multipleMatches(error: RecordErrorLike): string[] | undefined {
  if (error.errorCode === MULTIPLE_CHOICES || error.statusCode === MULTIPLE_CHOICES) {
    return idsFromUrls(error.data);
  }
  const code = error.statusCode ?? error.errorCode;
  if (code !== 'DUPLICATE_EXTERNAL_ID' || !error.message.includes('more than one record found')) {
    return undefined;
  }
  // One bracketed list at the end of a message of bounded length: linear, no backtracking.
  const list = /\[([^\]]*)\]\s*$/.exec(error.message.slice(0, 10_000));
  return list
    ? list[1]!
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean)
    : [];
}

interface RecordErrorLike {
  statusCode?: string | undefined;
  errorCode?: string | undefined;
  message: string;
  fields?: string[] | undefined;
  data?: unknown;
}

export function recordFailure(id: string, error: RecordErrorLike): RecordFailure {
  const matches = multipleMatches(error);
  if (matches) {
    // Nothing was written; it cannot succeed until someone merges the duplicates in Salesforce.
    return {
      id,
      code: MULTIPLE_CHOICES,
      message:
        `external id ${id} matches ${matches.length || 'several'} Salesforce records` +
        (matches.length ? ` (${matches.join(', ')})` : '') +
        ': merge them, or clear the external id on all but one, and the next sync writes it',
      retryable: false,
    };
  }
  const code = error.statusCode ?? error.errorCode ?? 'UNKNOWN_ERROR';
  return {
    id,
    code,
    message: error.message,
    retryable: RETRYABLE_RECORD_CODES.has(code),
    ...(error.fields?.length ? { fields: error.fields } : {}),
  };
}

/** Results must come back one per record, in order; anything else is not safe to interpret. */
export function parseResults(raw: unknown, expected: number): SaveResult[] {
  const parsed = saveResultsSchema.safeParse(Array.isArray(raw) ? raw : [raw]);
  if (!parsed.success || parsed.data.length !== expected) {
    throw new TransientError(
      `Salesforce answered ${parsed.success ? parsed.data.length : 'an unreadable list of'} results for ${expected} records`,
    );
  }
  return parsed.data;
}

export function collect(rows: Row[], results: SaveResult[], out: HandoffResult): void {
  results.forEach((res, i) => {
    const row = rows[i]!;
    if (res.success && res.id) {
      out.ok.push({ externalId: row.externalId, crmId: res.id, created: res.created ?? false });
    } else {
      out.failed.push(
        recordFailure(row.externalId, res.errors[0] ?? { message: 'rejected without a reason' }),
      );
    }
  });
}
