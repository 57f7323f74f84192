/**
 * Per-connection Mautic settings (`ConnectionInfo.config`), validated once when the connector is created.
 * The base URL itself is `ConnectionInfo.baseUrl`: every Mautic is self-hosted.
 */
import { z } from 'zod';

import { ConfigError } from '../../src/errors.ts';

export const mauticConfigSchema = z
  .object({
    /** Contacts per list call. Mautic has no server-side maximum; 200 keeps responses a few MB at most. */
    pageSize: z.number().int().min(1).max(1000).default(200),
    /** Activity events per page of `GET /api/contacts/activity`. */
    activityPageSize: z.number().int().min(1).max(1000).default(200),
    /**
     * Calls per window. Mautic has no rate limit by default (`api_rate_limiter_limit` = 0) but it is
     * self-hosted, often on a small server: stay polite.
     */
    rateLimit: z
      .object({ max: z.number().int().positive(), windowMs: z.number().int().positive() })
      .default({ max: 20, windowMs: 1000 }),
    /** Re-read this much before the last cursor, in seconds, for changes committed late. */
    overlapSeconds: z.number().int().min(0).max(86_400).default(300),
    /** Refresh OAuth2 tokens once the refresh token is this old, so it never reaches 14 days. */
    renewRefreshTokenAfterDays: z.number().min(0).max(13).default(7),
    /**
     * How a stage change reaches Mautic. `stages_api`: one `POST /api/stages/{id}/contact/{id}/add`
     * per changed contact. `batch`: the stage id rides in the same `PATCH /api/contacts/batch/edit`
     * as the scores (Mautic's contact `stage` parameter), 200 contacts per call: far fewer calls for
     * large first syncs.
     */
    stageWrite: z.enum(['stages_api', 'batch']).default('stages_api'),
    /** Attempts per call on 429, 5xx and network errors. */
    maxAttempts: z.number().int().min(1).max(10).default(5),
    /** First retry delay; doubles each attempt (with jitter), capped at 30 s. */
    retryBaseMs: z.number().int().min(0).default(500),
    requestTimeoutMs: z.number().int().positive().default(30_000),
  })
  .strict();

export type MauticConfig = z.infer<typeof mauticConfigSchema>;

export function parseMauticConfig(config: Record<string, unknown>): MauticConfig {
  const result = mauticConfigSchema.safeParse(config);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid Mautic connection config: ${lines.join('; ')}`);
}
