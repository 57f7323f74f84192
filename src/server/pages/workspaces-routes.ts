/**
 * The workspace list (`/` and `/workspaces`): every workspace with its connections, last runs,
 * sync jobs in flight and its funnel.
 */
import type { Response } from 'express';

import { loadFunnel } from '../../report/load.ts';
import { renderFunnelSvg } from '../../report/render-svg.ts';
import type { ServerContext } from '../context.ts';
import { trimSlash } from '../vendors.ts';
import { workspaceView } from '../views.ts';

import { connectionNotice } from './connections-routes.ts';
import { renderDashboardPage } from './dashboard-page.ts';
import { csrfTokenOf } from './forms.ts';
import type { Notice } from './layout.ts';
import type { PageRoutes } from './page-routes.ts';

async function renderDashboard(ctx: ServerContext, res: Response, notice?: Notice): Promise<string> {
  const workspaces = await ctx.store.workspaces.list();
  const views = await Promise.all(
    workspaces.map(async (ws) => {
      const view = await workspaceView(ctx.store, ctx.queues.sync, ws);
      let svg: string | null = null;
      try {
        svg = renderFunnelSvg((await loadFunnel(ctx.store, ws.id)).report);
      } catch (err) {
        ctx.log.warn('funnel unavailable', {
          workspace: ws.name,
          error: err instanceof Error ? err.message : String(err),
        });
      }
      return { view, svg };
    }),
  );
  return renderDashboardPage(views, trimSlash(ctx.env.PUBLIC_URL), csrfTokenOf(res), notice);
}

export const registerWorkspaceRoutes: PageRoutes = (router, ctx) => {
  for (const path of ['/', '/workspaces']) {
    router.get(path, async (req, res) => {
      res.type('html').send(await renderDashboard(ctx, res, connectionNotice(req.query)));
    });
  }
};
