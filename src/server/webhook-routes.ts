/**
 * Which workspaces a webhook delivery concerns: the source connections of a vendor account (HubSpot
 * portal) or of a connection id (Mautic's path), with the workspaces using them, in one query.
 * A vendor sends bursts for the same account, so an answer is remembered for ROUTE_CACHE_MS: under
 * load the webhook path then costs no database round trip at all (profiling showed the two queries
 * a delivery made were most of its CPU time, spent writing to the database socket). A connection
 * made or removed is seen by webhooks at most that long after.
 */
import type { Db } from '../store/db.ts';

export const ROUTE_CACHE_MS = 1000;
/** Keys come from signature-verified deliveries only; the bound is a safety net. */
const MAX_CACHED = 1000;

export interface SourceRoute {
  /** The vendor's connections matched (empty: none exists). */
  connectionIds: string[];
  /** Workspaces whose source is one of them. */
  workspaceIds: string[];
}

type Match =
  { by: 'account'; accountId: string } | { by: 'connection'; connectionId: string } | { by: 'any' };

export class SourceRoutes {
  private readonly db: Db;
  private readonly now: () => number;
  private readonly cache = new Map<string, { at: number; route: Promise<SourceRoute> }>();

  constructor(db: Db, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
  }

  lookup(vendor: string, match: Match): Promise<SourceRoute> {
    const key = JSON.stringify([vendor, match]);
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < ROUTE_CACHE_MS) return hit.route;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const route = this.query(vendor, match);
    this.cache.set(key, { at: this.now(), route });
    // A failed lookup is not remembered: the vendor's redelivery asks again.
    route.catch(() => this.cache.delete(key));
    return route;
  }

  private async query(vendor: string, match: Match): Promise<SourceRoute> {
    const where =
      match.by === 'account' ? 'AND c.account_id = $2' : match.by === 'connection' ? 'AND c.id = $2' : '';
    const params =
      match.by === 'account'
        ? [vendor, match.accountId]
        : match.by === 'connection'
          ? [vendor, match.connectionId]
          : [vendor];
    const { rows } = await this.db.query<{ connection_id: string; workspace_id: string | null }>(
      `SELECT c.id AS connection_id, w.id AS workspace_id
         FROM connections c
         LEFT JOIN workspaces w ON w.source_connection_id = c.id AND w.source_vendor = c.vendor
        WHERE c.vendor = $1 ${where}
        ORDER BY c.id, w.id`,
      params,
    );
    return {
      connectionIds: [...new Set(rows.map((r) => r.connection_id))],
      workspaceIds: [...new Set(rows.flatMap((r) => (r.workspace_id ? [r.workspace_id] : [])))],
    };
  }
}
