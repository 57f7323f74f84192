/**
 * Pending connect flows, keyed by their random `state`: kept in Redis (so any web process can take
 * the callback), expiring, and consumed with GETDEL so a state works exactly once. The PKCE
 * verifier lives here and never travels through the browser.
 */
import { randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';
import { z } from 'zod';

import { CONNECTABLE_VENDORS } from './vendors.ts';

export const OAUTH_STATE_TTL_MS = 10 * 60_000;

const pendingSchema = z.object({
  vendor: z.enum(CONNECTABLE_VENDORS),
  workspaceId: z.string().min(1),
  codeVerifier: z.string().min(43).optional(),
  /** The vendor base URL the flow started against (Mautic: the instance the admin typed). */
  baseUrl: z.string().min(1),
});
export type PendingConnect = z.infer<typeof pendingSchema>;

export class OAuthStateStore {
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private readonly ttlMs: number;

  constructor(redis: Redis, keyPrefix = 'leadstage:oauth-state:', ttlMs = OAUTH_STATE_TTL_MS) {
    this.redis = redis;
    this.keyPrefix = keyPrefix;
    this.ttlMs = ttlMs;
  }

  async create(pending: PendingConnect): Promise<string> {
    const state = randomBytes(32).toString('base64url');
    await this.redis.set(this.keyPrefix + state, JSON.stringify(pending), 'PX', this.ttlMs);
    return state;
  }

  /** The pending flow for `state`, removed in the same step; null when unknown, used or expired. */
  async consume(state: string): Promise<PendingConnect | null> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(state)) return null;
    const raw = await this.redis.getdel(this.keyPrefix + state);
    if (!raw) return null;
    const parsed = pendingSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }
}
