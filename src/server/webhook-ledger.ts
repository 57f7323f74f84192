/**
 * Which webhook deliveries were already taken, so a replay (an attacker's, or the vendor's own
 * at-least-once redelivery) is answered 200 without enqueueing again. HubSpot events are keyed by
 * portal and event id; Mautic signs no timestamp, so a delivery is keyed by the SHA-256 of its
 * signed body. Keys live in Redis (shared by every web process) for the replay window.
 */
import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

/** HubSpot retries a failed delivery for up to 24 hours; a replay inside that is refused. */
export const WEBHOOK_REPLAY_WINDOW_MS = 24 * 60 * 60_000;

export function hubspotEventKey(portalId: string, eventId: string | number): string {
  return `hubspot:${portalId}:${eventId}`;
}

export function mauticDeliveryKey(rawBody: Buffer): string {
  return `mautic:${createHash('sha256').update(rawBody).digest('base64url')}`;
}

/** SET NX PX for each key; 1 where this call set it, 0 where it was there already. */
const CLAIM_SCRIPT = `
local claimed = {}
for i, key in ipairs(KEYS) do
  claimed[i] = redis.call('SET', key, '1', 'PX', ARGV[1], 'NX') and 1 or 0
end
return claimed`;

export class DeliveryLedger {
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private readonly windowMs: number;

  constructor(redis: Redis, keyPrefix: string, windowMs = WEBHOOK_REPLAY_WINDOW_MS) {
    this.redis = redis;
    this.keyPrefix = keyPrefix;
    this.windowMs = windowMs;
  }

  /**
   * Claims every key not seen within the window and returns those claimed now; two processes
   * racing on one key see exactly one of them win. One script, one round trip: an ioredis
   * pipeline on a connection BullMQ shares costs more (it copies BullMQ's many scripts onto itself).
   */
  async claim(keys: string[]): Promise<Set<string>> {
    const unique = [...new Set(keys)];
    if (!unique.length) return new Set();
    const replies = (await this.redis.eval(
      CLAIM_SCRIPT,
      unique.length,
      ...unique.map((k) => this.keyPrefix + k),
      String(this.windowMs),
    )) as number[];
    return new Set(unique.filter((_k, i) => replies[i] === 1));
  }

  /** Gives claims back, so the vendor's redelivery after a failed enqueue is taken. */
  async release(keys: Iterable<string>): Promise<void> {
    const all = [...keys].map((k) => this.keyPrefix + k);
    if (all.length) await this.redis.del(...all);
  }
}
