/** Sync health (`/workspaces/:id/sync`) and the sync buttons' form posts. */
import { enqueueSync } from '../../../jobs/enqueue.ts';
import { requireWorkspace } from '../api.ts';

import type { PageRoutes } from './page-routes.ts';

export const registerSyncRoutes: PageRoutes = (router, ctx) => {
  router.post('/workspaces/:id/sync', async (req, res) => {
    const ws = await requireWorkspace(ctx, String(req.params.id));
    const jobId = await enqueueSync(ctx.queues.sync, { workspaceId: ws.id });
    res.redirect(303, `/?synced=${encodeURIComponent(jobId ?? '')}#ws-${encodeURIComponent(ws.id)}`);
  });
};
