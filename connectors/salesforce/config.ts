/**
 * Facts about the Salesforce API leadstage is written against, and the per-connection settings
 * (validated from `ConnectionInfo.config`).
 */
import { z } from 'zod';

import { ConfigError } from '../../src/errors.ts';

/** Pinned: jsforce defaults to 50.0, and Collections upsert needs at least 46.0. */
export const SALESFORCE_API_VERSION = '62.0';
export const SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';
/** `refresh_token` so the connection keeps working after the session times out. */
export const SALESFORCE_SCOPES = ['api', 'refresh_token'];
/** sObject Collections take at most 200 records per request. */
export const COLLECTION_CHUNK = 200;

/**
 * Records one handoff call takes from the pipeline, at most: one more than the default bulk
 * threshold, so a large handoff still reaches Bulk API 2.0 (Salesforce advises it above 2,000
 * records) instead of arriving in Collection-sized pieces, and no more, because a call's records
 * are held in memory while it runs (properties, explanation, the why's events: about 10 KB each in
 * the heap). At 10,000 a call, a first sync's handoffs mostly waited for the closing sweep and went
 * in one call: at 100,000 contacts 2,725 records, +29 MB of live heap; at 300,000 (about three times
 * as many) the sync ran out of its heap.
 */
export const HANDOFF_CALL_MAX = 2_001;

export const salesforceConfigSchema = z
  .object({
    /** Where handed-off records go: Leads (default) or Contacts under a matching Account. */
    handoffObject: z.enum(['Lead', 'Contact']).default('Lead'),
    /** Share of the org's daily API requests leadstage may use before it stops (0–1]. */
    apiShare: z.number().gt(0).lte(1).default(0.5),
    /**
     * Above this many records one handoff goes through Bulk API 2.0 instead of Collections. A call
     * takes at most HANDOFF_CALL_MAX records, so a threshold of 2,001 or more means Collections only.
     */
    bulkThreshold: z.number().int().positive().default(2000),
    /** Records per SOQL page when reading sales outcomes (Salesforce serves at most 2,000). */
    pageSize: z.number().int().min(1).max(2000).default(200),
    /** Contact handoff: create the Account when no Account matches the company. */
    createMissingAccounts: z.boolean().default(true),
    bulkPollIntervalMs: z.number().int().positive().default(2000),
    bulkPollTimeoutMs: z.number().int().positive().default(600_000),
    /** Client-side pacing; Salesforce has no per-second limit, only the daily one and concurrency. */
    requestsPerSecond: z.number().int().positive().default(25),
    /** Mapping file; defaults to `mappings/salesforce.yaml`. */
    mappingFile: z.string().min(1).optional(),
  })
  .strict();

export type SalesforceConfig = z.infer<typeof salesforceConfigSchema>;

export function parseSalesforceConfig(raw: Record<string, unknown>): SalesforceConfig {
  const result = salesforceConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid Salesforce connection config: ${lines.join('; ')}`);
}
