/**
 * The funnel page (`/workspaces/:id/funnel`): the same core as `GET /api/workspaces/:id/funnel` and
 * `leadstage funnel`, its forecast inputs taken from the query string.
 */
import { PAGE_WORDS } from '../../qualification/page-words.ts';
import { loadFunnel } from '../../report/load.ts';
import { renderFunnelSvg } from '../../report/render-svg.ts';
import { funnelOptions, parseFunnelQuery } from '../observe-api.ts';

import { renderFunnelPage } from './funnel-page.ts';
import { page } from './layout.ts';
import { type PageRoutes, workspacePage } from './page-routes.ts';

export const registerFunnelRoutes: PageRoutes = (router, ctx) => {
  router.get('/workspaces/:id/funnel', async (req, res) => {
    const { ws, layout } = await workspacePage(ctx, String(req.params.id), 'funnel');
    const q = parseFunnelQuery(req.query);
    const { report, format } = await loadFunnel(ctx.store, ws.id, funnelOptions(q));
    // Amounts in the model's currency unless the form names another.
    const shown = { ...q, currency: q.currency ?? format.currency };
    res
      .type('html')
      .send(
        page(
          `${PAGE_WORDS[format.locale].funnel.title} · ${ws.name}`,
          renderFunnelPage(ws.id, report, renderFunnelSvg(report, format.locale), shown, format.locale),
          { ...layout, lang: PAGE_WORDS[format.locale].lang },
        ),
      );
  });
};
