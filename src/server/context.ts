/** What every part of the web app is handed: configuration, the store, Redis and its queues. */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

import type { ConnectorRegistry } from '../pipeline/registry.ts';
import type { Env } from '../config/env.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';

import type { Metrics } from './metrics.ts';
import type { OAuthStateStore } from './oauth-state.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';
import type { DeliveryLedger } from './webhook-ledger.ts';

export type ServerQueues = { sync: Queue; requalify: Queue } & Record<string, Queue>;

export interface ServerContext {
  env: Env;
  store: Store;
  redis: Redis;
  /** The workers' queues: syncs and re-qualification are enqueued here; all are measured. */
  queues: ServerQueues;
  /** LEADSTAGE_QUEUE_PREFIX: queues, shared rate limits, heartbeats and OAuth states live under it. */
  queuePrefix: string;
  registry: ConnectorRegistry;
  log: Logger;
  metrics: Metrics;
  states: OAuthStateStore;
  /** Webhook deliveries already taken, for refusing replays. */
  deliveries: DeliveryLedger;
  signIn: SignInThrottle;
}
