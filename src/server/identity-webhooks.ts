/**
 * What the vendors' webhooks say about identity: merges (HubSpot `contact.merge`; a Mautic deletion
 * that Mautic's API shows was a merge, which is how Mautic's merge reaches a webhook) move the
 * merged-away contact to the survivor; deletions and privacy deletions erase the person, with the
 * CRM part left to the next sync so the answer stays fast. Runs before the re-qualification.
 */
import type { Response } from 'express';

import { applyMerges, applySourceDeletions, eraseInWorkspace } from '../pipeline/index.ts';

import type { ServerContext } from './context.ts';

type HubspotEvent = {
  subscriptionType: string;
  objectId: number | string;
  primaryObjectId?: number | string | undefined;
  portalId?: unknown;
  mergedObjectIds?: unknown;
};

type WorkspacesOf = (vendor: string, account: string) => Promise<string[]>;

function ids(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x) => typeof x === 'number' || typeof x === 'string').map(String) : [];
}

async function eraseById(ctx: ServerContext, workspaceId: string, id: string, vendor: string): Promise<void> {
  await eraseInWorkspace(
    { store: ctx.store, registry: ctx.registry, log: ctx.log, reachCrm: false },
    workspaceId,
    { id },
    `webhook:${vendor}`,
  );
}

export async function applyHubspotIdentityEvents(
  ctx: ServerContext,
  events: HubspotEvent[],
  workspacesOf: WorkspacesOf,
): Promise<void> {
  for (const e of events) {
    const portal = e.portalId;
    if (typeof portal !== 'number' && typeof portal !== 'string') continue;
    const type = e.subscriptionType;
    if (type !== 'contact.merge' && type !== 'contact.deletion' && type !== 'contact.privacyDeletion') {
      continue;
    }
    for (const ws of await workspacesOf('hubspot', String(portal))) {
      if (type === 'contact.merge') {
        const into = String(e.primaryObjectId ?? e.objectId);
        const merged = ids(e.mergedObjectIds).filter((id) => id !== into);
        await applyMerges(ctx.store, ws, [{ intoId: into, mergedIds: merged }], new Date(), ctx.log);
      } else {
        await eraseById(ctx, ws, String(e.objectId), 'hubspot');
      }
    }
  }
}

/**
 * `mautic.lead_post_delete` events: the deleted contacts' ids. Mautic sends `id` (the
 * `Lead::$deletedId` it keeps for this) beside the serialised contact, whose own id is gone by then
 * (LeadBundle/EventListener/WebhookSubscriber::onLeadDelete, Mautic 5).
 */
export function mauticDeletedIds(payload: unknown): string[] {
  if (!payload || typeof payload !== 'object') return [];
  const events = (payload as Record<string, unknown>)['mautic.lead_post_delete'];
  if (!Array.isArray(events)) return [];
  return events.flatMap((e: unknown) => {
    const ev = (e ?? {}) as { id?: unknown; contact?: { id?: unknown } };
    const rawId = ev.id ?? ev.contact?.id;
    return typeof rawId === 'number' || (typeof rawId === 'string' && /^\d+$/.test(rawId))
      ? [String(rawId)]
      : [];
  });
}

/**
 * Mautic deletions, merges among them (Mautic's merge deletes the loser and sends only this):
 * the source connector tells them apart. Answers, per workspace, the survivors to re-qualify.
 */
export async function applyMauticIdentityEvents(
  ctx: ServerContext,
  workspaceIds: string[],
  rawBody: Buffer,
): Promise<Map<string, string[]>> {
  const survivors = new Map<string, string[]>();
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return survivors;
  }
  const ids = mauticDeletedIds(payload);
  if (!ids.length) return survivors;
  for (const id of workspaceIds) {
    const ws = await ctx.store.workspaces.require(id);
    const settled = await applySourceDeletions(
      { store: ctx.store, registry: ctx.registry, log: ctx.log },
      ws,
      ids,
      'webhook:mautic',
    );
    survivors.set(ws.id, [...new Set(settled.merged.map((m) => m.into))]);
  }
  return survivors;
}

/**
 * Runs `apply`; on failure gives the delivery's claims back (so the vendor's redelivery is not taken
 * for a replay), answers 503 (the vendor delivers again) and returns false.
 */
export async function identityFirst(
  ctx: ServerContext,
  res: Response,
  vendor: string,
  claims: Iterable<string>,
  apply: () => Promise<void>,
): Promise<boolean> {
  try {
    await apply();
    return true;
  } catch (err) {
    await ctx.deliveries.release(claims).catch(() => undefined);
    ctx.metrics.webhooks.inc({ vendor, outcome: 'error' });
    ctx.log.error('webhook merge or erasure failed', {
      vendor,
      error: err instanceof Error ? err.message : String(err),
    });
    res.status(503).json({ error: { code: 'unavailable', message: 'could not apply; deliver again' } });
    return false;
  }
}
