/**
 * Every environment variable leadstage reads, validated once. `.env.example` documents each one.
 */
import { z } from 'zod';

import { ConfigError } from '../errors.ts';

const optionalUrl = z.url().optional();
const optionalText = z.string().min(1).optional();

export const envSchema = z.object({
  /** PostgreSQL; unset → embedded PGlite in LEADSTAGE_DATA_DIR. */
  DATABASE_URL: optionalUrl,
  /** Redis for the worker and shared rate limits; unset → one-shot syncs run in-process. */
  REDIS_URL: optionalUrl,
  LEADSTAGE_DATA_DIR: z.string().default('.data'),
  /** 32 bytes, base64: the AES-256-GCM key for tokens at rest. */
  LEADSTAGE_ENCRYPTION_KEY: optionalText,
  LEADSTAGE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  PORT: z.coerce.number().int().positive().default(3000),
  PUBLIC_URL: z.url().default('http://127.0.0.1:3000'),
  ADMIN_TOKEN: optionalText,
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (sign-in throttling counts by
   * it): Express's `trust proxy` value, e.g. `loopback`, `1` (hops) or `10.0.0.0/8`. Unset: none.
   */
  LEADSTAGE_TRUST_PROXY: optionalText,

  HUBSPOT_CLIENT_ID: optionalText,
  HUBSPOT_CLIENT_SECRET: optionalText,
  HUBSPOT_API_BASE_URL: z.url().default('https://api.hubapi.com'),
  HUBSPOT_AUTHORIZE_URL: z.url().default('https://app.hubspot.com/oauth/authorize'),

  SALESFORCE_CLIENT_ID: optionalText,
  SALESFORCE_CLIENT_SECRET: optionalText,
  SALESFORCE_LOGIN_URL: z.url().default('https://login.salesforce.com'),
  /** Share of the org's daily API requests leadstage may use, 0–1. */
  SALESFORCE_API_SHARE: z.coerce.number().gt(0).lte(1).default(0.5),

  MAUTIC_CLIENT_ID: optionalText,
  MAUTIC_CLIENT_SECRET: optionalText,
  MAUTIC_WEBHOOK_SECRET: optionalText,
  HUBSPOT_WEBHOOK_SECRET: optionalText,
});

export type Env = z.infer<typeof envSchema>;

/** Parses the environment, throwing one readable list of every problem. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return parseEnvWith(envSchema, source, 'environment');
}

/**
 * Validates variables with `schema`; empty values count as unset (as `.env.example` leaves them).
 * The error names every bad variable at once.
 */
export function parseEnvWith<T extends z.ZodType>(
  schema: T,
  source: NodeJS.ProcessEnv,
  what: string,
): z.infer<T> {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid ${what}:\n${lines.join('\n')}`);
}
