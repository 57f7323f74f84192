/**
 * Vendor webhooks: verify the signature on the raw body, find the workspaces whose source
 * connection the delivery concerns, enqueue debounced re-qualification, answer fast.
 * HubSpot: matched by portal id (the connection's account id). Mautic: each connection has its own
 * path, `/webhooks/mautic/<connection id>` (the dashboard shows it); plain `/webhooks/mautic` works
 * while there is exactly one Mautic connection. Refusals are logged with the reason, never the body.
 */
import express, { type Request, type Response, type Router } from 'express';

import { enqueueRequalify } from '../../jobs/enqueue.ts';
import { verifyHubspotWebhook } from '../../connectors/hubspot/index.ts';
import { MAUTIC_SIGNATURE_HEADER, verifyMauticWebhook } from '../../connectors/mautic/index.ts';

import type { ServerContext } from './context.ts';
import { applyHubspotIdentityEvents, applyMauticIdentityEvents, identityFirst } from './identity-webhooks.ts';
import { hubspotWebhookSecret, trimSlash } from './vendors.ts';

/** Vendors retry slow deliveries; answer before this even when Redis is slow, and finish behind. */
export const WEBHOOK_ANSWER_BUDGET_MS = 200;

async function workspacesOfSource(
  ctx: ServerContext,
  vendor: string,
  connectionIds: string[],
): Promise<string[]> {
  if (!connectionIds.length) return [];
  const { rows } = await ctx.store.db.query<{ id: string }>(
    'SELECT id FROM workspaces WHERE source_vendor = $1 AND source_connection_id = ANY($2::text[])',
    [vendor, connectionIds],
  );
  return rows.map((r) => r.id);
}

async function connectionsOfAccount(
  ctx: ServerContext,
  vendor: string,
  accountId: string,
): Promise<string[]> {
  const { rows } = await ctx.store.db.query<{ id: string }>(
    'SELECT id FROM connections WHERE vendor = $1 AND account_id = $2',
    [vendor, accountId],
  );
  return rows.map((r) => r.id);
}

/**
 * Enqueues, answering 200 once done or once the budget is spent (the enqueue carries on; a failure
 * then is logged). A failure within the budget answers 503 so the vendor delivers again.
 */
async function enqueueAndAnswer(
  ctx: ServerContext,
  res: Response,
  vendor: string,
  work: { workspaceId: string; contactIds: string[] }[],
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
    res.status(503).json({ error: { code: 'unavailable', message: 'could not enqueue; deliver again' } });
  } finally {
    clearTimeout(timer);
  }
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
    // Merges and erasures first, so the re-qualification below sees the survivor and not the erased.
    const workspacesOf = async (vendor: string, account: string) =>
      workspacesOfSource(ctx, vendor, await connectionsOfAccount(ctx, vendor, account));
    if (
      !(await identityFirst(ctx, res, 'hubspot', () =>
        applyHubspotIdentityEvents(ctx, verdict.events, workspacesOf),
      ))
    ) {
      return;
    }
    // One delivery may mix portals: each contact goes to the workspaces of its own portal.
    const byPortal = new Map<string, Set<string>>();
    const wanted = new Set(verdict.contactIds);
    for (const e of verdict.events) {
      const portal = (e as { portalId?: unknown }).portalId;
      if (typeof portal !== 'number' && typeof portal !== 'string') continue;
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
      const connections = await connectionsOfAccount(ctx, 'hubspot', portal);
      for (const workspaceId of await workspacesOfSource(ctx, 'hubspot', connections)) {
        work.push({ workspaceId, contactIds: [...ids] });
      }
    }
    await enqueueAndAnswer(ctx, res, 'hubspot', work);
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
    let connections: string[];
    if (connectionId) {
      const c = await ctx.store.connections.get(connectionId);
      connections = c?.vendor === 'mautic' ? [c.id] : [];
    } else {
      connections = (await ctx.store.connections.list())
        .filter((c) => c.vendor === 'mautic')
        .map((c) => c.id);
      if (connections.length > 1) {
        res.status(404).json({
          error: {
            code: 'ambiguous',
            message: 'several Mautic connections: use /webhooks/mautic/<connection id>',
          },
        });
        return;
      }
    }
    if (!connections.length) {
      res.status(404).json({ error: { code: 'not_found', message: 'no such Mautic connection' } });
      return;
    }
    const workspaces = await workspacesOfSource(ctx, 'mautic', connections);
    if (
      !(await identityFirst(ctx, res, 'mautic', () =>
        applyMauticIdentityEvents(ctx, workspaces, rawBody(req)),
      ))
    ) {
      return;
    }
    await enqueueAndAnswer(
      ctx,
      res,
      'mautic',
      workspaces.map((workspaceId) => ({ workspaceId, contactIds: verdict.contactIds })),
    );
  };
  router.post('/mautic', (req, res) => mautic(req, res, undefined));
  router.post('/mautic/:connectionId', (req, res) => mautic(req, res, req.params.connectionId));

  return router;
}
