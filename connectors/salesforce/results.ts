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

export function recordFailure(
  id: string,
  error: {
    statusCode?: string | undefined;
    errorCode?: string | undefined;
    message: string;
    fields?: string[] | undefined;
  },
): RecordFailure {
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
