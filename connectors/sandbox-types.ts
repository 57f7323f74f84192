/**
 * Local stand-ins for the vendors' APIs, speaking their real wire format over HTTP, so the official
 * clients (`@hubspot/api-client`, `jsforce`) and our own axios client run against them unchanged.
 * `leadstage sandbox` mounts HubSpot and Mautic on one port under `/<vendor>`, and serves Salesforce
 * at the root of a port of its own, as every Salesforce instance is.
 */
import type { Router } from 'express';

export interface SandboxOptions {
  /** Seed for the deterministic synthetic data. */
  seed: number;
  /** How many contacts to seed (sources only). */
  contacts: number;
  /**
   * Public URL of this sandbox's mount point, e.g. `http://127.0.0.1:4010/hubspot`, or for Salesforce
   * the bare origin of its own port, `http://127.0.0.1:4011` (for links and redirects).
   */
  publicUrl: string;
  /** Injected clock in epoch ms, so tests can expire tokens without waiting. */
  now?: () => number;
  /**
   * The instant (epoch ms) the seeded data is relative to: creation dates and activity fall in the
   * year and the 90 days before it. The same seed and epoch give the same data on every start and
   * reset. @default the clock when the data is seeded (fresh activity for the demo)
   */
  epoch?: number;
}

export interface SandboxStats {
  /** Calls served per endpoint, keyed like `POST /crm/v3/objects/contacts/search`. */
  calls: Record<string, number>;
  /** 429 (or vendor equivalent) answers served. */
  rateLimited: number;
}

/** OAuth app credentials every sandbox accepts. */
export const SANDBOX_OAUTH_APP = {
  clientId: 'leadstage-sandbox-client',
  clientSecret: 'leadstage-sandbox-secret',
} as const;

export interface VendorSandbox {
  readonly vendor: 'hubspot' | 'salesforce' | 'mautic';
  readonly router: Router;
  stats(): SandboxStats;
  /** Back to the seeded state: data, tokens, counters. */
  reset(): void;
}
