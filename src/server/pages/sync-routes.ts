/**
 * Sync health (`/workspaces/:id/sync`) and its form posts: sync now, full resync, retry and
 * release of record errors. The same cores as `POST /api/workspaces/:id/sync`, `…/errors/retry`
 * and `…/errors/release`, `leadstage sync` and `leadstage errors`.
 */
import express from 'express';
import { z } from 'zod';

import { enqueueSync } from '../../../jobs/enqueue.ts';
import { releaseRecordErrors, retryRecordErrors } from '../../pipeline/quarantine.ts';
import { requireWorkspace } from '../api.ts';
import { pageQuerySchema } from '../observe-api.ts';
import { syncHealth } from '../sync-health.ts';

import { csrfTokenOf } from './forms.ts';
import { type Notice, page, workspaceHref } from './layout.ts';
import { type PageRoutes, workspacePage } from './page-routes.ts';
import { renderSyncHealth } from './sync-page.ts';

const noticeQuery = z.object({
  queued: z.enum(['sync', 'full']).optional(),
  already: z.enum(['sync', 'full']).optional(),
  retried: z.coerce.number().int().min(0).optional(),
  released: z.coerce.number().int().min(0).optional(),
});

/** Notices are built from validated values only, never echoed text. */
function syncNotice(query: unknown): Notice | undefined {
  const q = noticeQuery.safeParse(query);
  if (!q.success) return undefined;
  if (q.data.queued) {
    return {
      kind: 'ok',
      text:
        q.data.queued === 'full'
          ? 'Full resync queued: every contact is read again from the start and re-qualified.'
          : 'Sync queued: progress shows below.',
    };
  }
  if (q.data.already) {
    return {
      kind: 'ok',
      text:
        q.data.already === 'full'
          ? 'A full resync is already queued or running: it was not queued twice.'
          : 'A sync is already queued or running: it was not queued twice.',
    };
  }
  if (q.data.retried !== undefined) {
    return {
      kind: 'ok',
      text: `${q.data.retried} quarantined record(s) will be tried again on the next run.`,
    };
  }
  if (q.data.released !== undefined) {
    return { kind: 'ok', text: `${q.data.released} record error(s) released: those records start afresh.` };
  }
  return undefined;
}

const causeForm = z.object({ step: z.string().min(1).max(40), code: z.string().min(1).max(80) });

export const registerSyncRoutes: PageRoutes = (router, ctx) => {
  const form = express.urlencoded({ extended: false, limit: '10kb' });

  router.get('/workspaces/:id/sync', async (req, res) => {
    const { ws, layout } = await workspacePage(ctx, String(req.params.id), 'sync');
    const paging = pageQuerySchema.parse(req.query);
    const health = await syncHealth(
      { store: ctx.store, syncQueue: ctx.queues.sync, redis: ctx.redis, queuePrefix: ctx.queuePrefix },
      ws,
      paging,
    );
    const notice = syncNotice(req.query);
    const { body, script } = renderSyncHealth(health, csrfTokenOf(res), new Date());
    res
      .type('html')
      .send(page(`Sync health · ${ws.name}`, body, { ...layout, script, ...(notice ? { notice } : {}) }));
  });

  router.post('/workspaces/:id/sync', form, async (req, res) => {
    const ws = await requireWorkspace(ctx, String(req.params.id));
    const full = (req.body as { full?: unknown } | undefined)?.full === '1';
    const request = await enqueueSync(ctx.queues.sync, {
      workspaceId: ws.id,
      ...(full ? { full: true } : {}),
    });
    const said = request.queued ? 'queued' : 'already';
    res.redirect(303, `${workspaceHref(ws.id, 'sync')}?${said}=${request.kind}`);
  });

  for (const [action, run] of [
    ['retry', retryRecordErrors],
    ['release', releaseRecordErrors],
  ] as const) {
    router.post(`/workspaces/:id/sync/errors/${action}`, form, async (req, res) => {
      const ws = await requireWorkspace(ctx, String(req.params.id));
      const cause = causeForm.parse(req.body ?? {});
      const count = await run(ctx.store, ws, cause);
      ctx.log.info(`record errors ${action}`, { workspace: ws.name, count });
      const key = action === 'retry' ? 'retried' : 'released';
      res.redirect(303, `${workspaceHref(ws.id, 'sync')}?${key}=${count}#record-errors`);
    });
  }
};
