/**
 * Vendor webhooks: verify the signature on the raw body, find the workspaces whose source
 * connection the delivery concerns, enqueue debounced re-qualification, answer fast.
 * HubSpot: matched by portal id (the connection's account id). Mautic: each connection has its own
 * path, `/webhooks/mautic/<connection id>` (the dashboard shows it); plain `/webhooks/mautic` works
 * while there is exactly one Mautic connection. Refusals are logged with the reason, never the body.
 * A delivery already taken (see webhook-ledger.ts) is answered 200 and not enqueued again.
 */
import express, { type Request, type Response, type Router } from 'express';

import { enqueueRequalify } from '../../jobs/enqueue.ts';
import { verifyHubspotWebhook } from '../../connectors/hubspot/index.ts';
import { MAUTIC_SIGNATURE_HEADER, verifyMauticWebhook } from '../../connectors/mautic/index.ts';

import type { ServerContext } from './context.ts';
import { applyHubspotIdentityEvents, applyMauticIdentityEvents, identityFirst } from './identity-webhooks.ts';
import { hubspotWebhookSecret, trimSlash } from './vendors.ts';
import { hubspotEventKey, mauticDeliveryKey } from './webhook-ledger.ts';
import { SourceRoutes } from './webhook-routes.ts';

/** Vendors retry slow deliveries; answer before this even when Redis is slow, and finish behind. */
export const WEBHOOK_ANSWER_BUDGET_MS = 200;

/**
 * Enqueues, answering 200 once done or once the budget is spent (the enqueue carries on; a failure
 * then is logged). A failure within the budget answers 503 and gives the delivery's ledger claims
 * back, so the vendor's next attempt is taken.
 */
async function enqueueAndAnswer(
  ctx: ServerContext,
  res: Response,
  vendor: string,
  work: { workspaceId: string; contactIds: string[] }[],
  claims: Iterable<string>,
): Promise<void> {
  const jobs = work.filter((w) => w.contactIds.length > 0);
  const all = Promise.all(
    jobs.map((w) => enqueueRequalify(ctx.queues.requalify, w.workspaceId, w.contactIds)),
  );
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), WEBHOOK_ANSWER_BUDGET_MS);
  });
  const body = {
    workspaces: jobs.length,
    contacts: jobs.reduce((n, w) => n + w.contactIds.length, 0),
  };
  try {
    const outcome = await Promise.race([all.then(() => 'done' as const), budget]);
    if (outcome === 'late') {
      all.catch((err: unknown) =>
        ctx.log.error('webhook re-qualification could not be enqueued', {
          vendor,
          error: err instanceof Error ? err.message : String(err),
        }),
      );
    }
    ctx.metrics.webhooks.inc({ vendor, outcome: jobs.length ? 'enqueued' : 'ignored' });
    res.status(200).json({ ok: true, ...body });
  } catch (err) {
    ctx.metrics.webhooks.inc({ vendor, outcome: 'error' });
    ctx.log.error('webhook re-qualification could not be enqueued', {
      vendor,
      error: err instanceof Error ? err.message : String(err),
    });
    await ctx.deliveries.release(claims).catch(() => undefined);
    res.status(503).json({ error: { code: 'unavailable', message: 'could not enqueue; deliver again' } });
  } finally {
    clearTimeout(timer);
  }
}

/** 200, so the vendor stops delivering it, and nothing enqueued. */
function answerReplay(ctx: ServerContext, res: Response, vendor: string): void {
  ctx.metrics.webhooks.inc({ vendor, outcome: 'duplicate' });
  res.status(200).json({ ok: true, duplicate: true, workspaces: 0, contacts: 0 });
}

function refuse(
  ctx: ServerContext,
  req: Request,
  res: Response,
  vendor: string,
  status: number,
  reason: string,
) {
  ctx.metrics.webhooks.inc({ vendor, outcome: 'refused' });
  // The reason and where it came from only: the body may carry personal data.
  ctx.log.warn('webhook refused', { vendor, status, reason, ip: req.ip, bytes: rawBody(req).length });
  res
    .status(status)
    .json({ error: { code: status === 401 ? 'bad_signature' : 'bad_request', message: reason } });
}

function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export function webhookRouter(ctx: ServerContext): Router {
  const router = express.Router();
  const routes = new SourceRoutes(ctx.store.db);

  router.post('/hubspot', async (req, res) => {
    const secret = hubspotWebhookSecret(ctx.env);
    if (!secret) {
      refuse(ctx, req, res, 'hubspot', 503, 'HUBSPOT_CLIENT_SECRET (or HUBSPOT_WEBHOOK_SECRET) is not set');
      return;
    }
    const verdict = verifyHubspotWebhook(
      {
        method: req.method,
        url: `${trimSlash(ctx.env.PUBLIC_URL)}${req.originalUrl}`,
        rawBody: rawBody(req),
        headers: req.headers,
      },
      secret,
    );
    if (!verdict.ok) {
      refuse(ctx, req, res, 'hubspot', verdict.status, verdict.reason);
      return;
    }
    // HubSpot delivers at least once: an event already taken is skipped, a delivery of only such is a replay.
    const portalOf = (e: Record<string, unknown>) =>
      typeof e.portalId === 'number' || typeof e.portalId === 'string' ? String(e.portalId) : null;
    const keyOf = (e: (typeof verdict.events)[number]) => hubspotEventKey(portalOf(e) ?? '-', e.eventId);
    const claimed = await ctx.deliveries.claim(verdict.events.map(keyOf));
    if (verdict.events.length && !claimed.size) {
      answerReplay(ctx, res, 'hubspot');
      return;
    }
    // Merges and erasures first, so the re-qualification below sees the survivor and not the erased.
    const workspacesOf = async (_vendor: string, account: string) =>
      (await routes.lookup('hubspot', { by: 'account', accountId: account })).workspaceIds;
    const taken = verdict.events.filter((e) => claimed.has(keyOf(e)));
    if (
      !(await identityFirst(ctx, res, 'hubspot', claimed, () =>
        applyHubspotIdentityEvents(ctx, taken, workspacesOf),
      ))
    ) {
      return;
    }
    // One delivery may mix portals: each contact goes to the workspaces of its own portal.
    const byPortal = new Map<string, Set<string>>();
    const wanted = new Set(verdict.contactIds);
    for (const e of verdict.events) {
      const portal = portalOf(e);
      if (portal === null || !claimed.has(keyOf(e))) continue;
      const id = String(
        e.subscriptionType === 'contact.merge' ? (e.primaryObjectId ?? e.objectId) : e.objectId,
      );
      if (!wanted.has(id)) continue;
      const set = byPortal.get(String(portal)) ?? new Set<string>();
      set.add(id);
      byPortal.set(String(portal), set);
    }
    const work: { workspaceId: string; contactIds: string[] }[] = [];
    for (const [portal, ids] of byPortal) {
      const { workspaceIds } = await routes.lookup('hubspot', { by: 'account', accountId: portal });
      for (const workspaceId of workspaceIds) work.push({ workspaceId, contactIds: [...ids] });
    }
    await enqueueAndAnswer(ctx, res, 'hubspot', work, claimed);
  });

  const mautic = async (req: Request, res: Response, connectionId: string | undefined) => {
    const verdict = verifyMauticWebhook({
      rawBody: rawBody(req),
      signature: req.headers[MAUTIC_SIGNATURE_HEADER],
      secret: ctx.env.MAUTIC_WEBHOOK_SECRET,
    });
    if (!verdict.ok) {
      const status = verdict.reason === 'bad_payload' ? 400 : verdict.reason === 'missing_secret' ? 503 : 401;
      refuse(ctx, req, res, 'mautic', status, verdict.reason);
      return;
    }
    // Connection ids are UUIDs; a NUL byte or the like would only make PostgreSQL fail.
    const route =
      connectionId === undefined
        ? await routes.lookup('mautic', { by: 'any' })
        : /^[\w-]{1,100}$/.test(connectionId)
          ? await routes.lookup('mautic', { by: 'connection', connectionId })
          : { connectionIds: [], workspaceIds: [] };
    if (route.connectionIds.length > 1) {
      res.status(404).json({
        error: {
          code: 'ambiguous',
          message: 'several Mautic connections: use /webhooks/mautic/<connection id>',
        },
      });
      return;
    }
    if (!route.connectionIds.length) {
      res.status(404).json({ error: { code: 'not_found', message: 'no such Mautic connection' } });
      return;
    }
    const key = mauticDeliveryKey(rawBody(req));
    if (!(await ctx.deliveries.claim([key])).size) {
      answerReplay(ctx, res, 'mautic');
      return;
    }
    let survivors = new Map<string, string[]>();
    if (
      !(await identityFirst(ctx, res, 'mautic', [key], async () => {
        survivors = await applyMauticIdentityEvents(ctx, route.workspaceIds, rawBody(req));
      }))
    ) {
      return;
    }
    await enqueueAndAnswer(
      ctx,
      res,
      'mautic',
      route.workspaceIds.map((workspaceId) => ({
        workspaceId,
        contactIds: [...new Set([...verdict.contactIds, ...(survivors.get(workspaceId) ?? [])])],
      })),
      [key],
    );
  };
  router.post('/mautic', (req, res) => mautic(req, res, undefined));
  router.post('/mautic/:connectionId', (req, res) => mautic(req, res, req.params.connectionId));

  return router;
}
