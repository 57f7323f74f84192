/**
 * What the vendors' webhooks say about identity: merges (HubSpot `contact.merge`; a Mautic deletion
 * of a contact whose email lives on in another, which is how Mautic's merge reaches a webhook) move
 * the merged-away contact to the survivor; deletions and privacy deletions erase the person, with
 * the CRM part left to the next sync so the answer stays fast. Runs before the re-qualification.
 */
import type { Response } from 'express';

import { applyMerges, eraseInWorkspace } from '../pipeline/index.ts';

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

/** `mautic.lead_post_delete` events: the deleted contact's id and email (from `contact.fields`). */
export function mauticDeletions(payload: unknown): { id: string; email: string | null }[] {
  if (!payload || typeof payload !== 'object') return [];
  const events = (payload as Record<string, unknown>)['mautic.lead_post_delete'];
  if (!Array.isArray(events)) return [];
  return events.flatMap((e: unknown) => {
    const ev = (e ?? {}) as { id?: unknown; contact?: { id?: unknown; fields?: unknown } };
    const rawId = ev.id ?? ev.contact?.id;
    if (typeof rawId !== 'number' && typeof rawId !== 'string') return [];
    const fields = (ev.contact?.fields ?? {}) as {
      all?: { email?: unknown };
      core?: { email?: { value?: unknown } };
    };
    const email = fields.all?.email ?? fields.core?.email?.value;
    return [{ id: String(rawId), email: typeof email === 'string' && email.trim() ? email : null }];
  });
}

export async function applyMauticIdentityEvents(
  ctx: ServerContext,
  workspaceIds: string[],
  rawBody: Buffer,
): Promise<void> {
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return;
  }
  for (const deletion of mauticDeletions(payload)) {
    for (const ws of workspaceIds) {
      const twins = deletion.email
        ? (await ctx.store.erasures.contactsByEmail(ws, deletion.email)).filter((id) => id !== deletion.id)
        : [];
      if (twins.length) {
        await applyMerges(
          ctx.store,
          ws,
          [{ intoId: twins[0]!, mergedIds: [deletion.id] }],
          new Date(),
          ctx.log,
        );
      } else {
        await eraseById(ctx, ws, deletion.id, 'mautic');
      }
    }
  }
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
