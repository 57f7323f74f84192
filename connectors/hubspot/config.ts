/** Per-connection HubSpot settings (`ConnectionInfo.config`), validated before use. */
import { z } from 'zod';

import { ConfigError } from '../../src/errors.ts';

export const hubspotConfigSchema = z.object({
  /** Search results lag behind writes: each incremental pull re-reads this much before its watermark. */
  searchOverlapMs: z.number().int().min(0).default(120_000),
  /** Engagement is re-read this far back too; event ids are stable, so repeats are deduplicated. */
  engagementOverlapMs: z
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  /** How far back a first engagement pull reaches. */
  initialEngagementDays: z.number().int().positive().default(180),
  /** Mapping file; defaults to `mappings/hubspot.yaml`. */
  mappingPath: z.string().min(1).optional(),
});

export type HubspotConfig = z.infer<typeof hubspotConfigSchema>;

export function parseHubspotConfig(raw: Record<string, unknown>): HubspotConfig {
  const result = hubspotConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  config.${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid HubSpot connection settings:\n${lines.join('\n')}`);
}
