/**
 * Lower bounds the connectors build their `minimumCalls` from (ports.ts `MinimumCalls`): a stream
 * read is at least one request even when nothing changed, else one per page of records.
 */

/** One stream read of `records` in pages of `pageSize`: at least one request. */
export function readPages(records: number, pageSize: number): number {
  return Math.max(1, Math.ceil(records / pageSize));
}

/**
 * Several streams read one after another, one per vendor event type (`types` lists each stream's
 * canonical type; two may share one): each makes at least one request, and the streams of one
 * canonical type together at least a page per `pageSize` of its events.
 */
export function streamPages(types: string[], eventsByType: Record<string, number>, pageSize: number): number {
  const streams = new Map<string, number>();
  for (const t of types) streams.set(t, (streams.get(t) ?? 0) + 1);
  let calls = 0;
  for (const [type, k] of streams) calls += Math.max(k, Math.ceil((eventsByType[type] ?? 0) / pageSize));
  return calls;
}
