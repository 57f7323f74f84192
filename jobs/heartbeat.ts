/**
 * Each worker process writes a short-lived heartbeat key, so the web's /healthz can tell workers
 * that are consuming from workers that are merely connected (or gone). The key expires on its own
 * when a worker dies; after a Redis restart it comes back with the next beat.
 */
import { hostname } from 'node:os';

import type { Redis } from 'ioredis';

export interface Heartbeat {
  worker: string;
  host: string;
  pid: number;
  startedAt: string;
  beatAt: string;
  /** Every BullMQ consumer of this process is running and not paused or closing. */
  consuming: boolean;
  /** Jobs in hand right now. */
  active: number;
  /** When this process last finished a job (any queue), if ever. */
  lastJobAt: string | null;
}

export const heartbeatKey = (prefix: string, worker: string) => `${prefix}:heartbeat:${worker}`;

export interface HeartbeatSource {
  worker: string;
  consuming(): boolean;
  active(): number;
  lastJobAt(): Date | null;
}

export function startHeartbeat(
  redis: Redis,
  prefix: string,
  source: HeartbeatSource,
  intervalMs: number,
  onError: (err: Error) => void = () => undefined,
): { beat(): Promise<void>; stop(): Promise<void> } {
  const startedAt = new Date().toISOString();
  const key = heartbeatKey(prefix, source.worker);
  const beat = async () => {
    const last = source.lastJobAt();
    const body: Heartbeat = {
      worker: source.worker,
      host: hostname(),
      pid: process.pid,
      startedAt,
      beatAt: new Date().toISOString(),
      consuming: source.consuming(),
      active: source.active(),
      lastJobAt: last ? last.toISOString() : null,
    };
    // Three missed beats and the worker counts as gone.
    await redis.set(key, JSON.stringify(body), 'PX', intervalMs * 3);
  };
  const tick = () => void beat().catch((err: Error) => onError(err));
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    beat,
    async stop() {
      clearInterval(timer);
      await redis.del(key).catch(() => undefined);
    },
  };
}

/** The heartbeats of every live worker process sharing this prefix. */
export async function readHeartbeats(redis: Redis, prefix: string): Promise<Heartbeat[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:heartbeat:*`, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.flatMap((v) => {
    if (!v) return [];
    try {
      return [JSON.parse(v) as Heartbeat];
    } catch {
      return [];
    }
  });
}
