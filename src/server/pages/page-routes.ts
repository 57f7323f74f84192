/**
 * What every console area shares when it registers its pages: the registration signature, and
 * the workspace and navigation a workspace page is drawn with. Errors thrown by a page handler go
 * to the app's error handler, which answers a browser with an HTML page (JSON stays for /api).
 */
import type { Router } from 'express';

import type { Workspace } from '../../store/index.ts';
import { requireWorkspace } from '../api.ts';
import type { ServerContext } from '../context.ts';

import type { PageOptions, WorkspaceTab } from './layout.ts';

/** An area of the console adds its GET pages and form posts to the admin router. */
export type PageRoutes = (router: Router, ctx: ServerContext) => void;

/** The workspace named by `:id` (id or name) and the layout options for its `tab`. */
export async function workspacePage(
  ctx: ServerContext,
  idOrName: string,
  tab: WorkspaceTab,
): Promise<{ ws: Workspace; layout: PageOptions }> {
  const [ws, all] = await Promise.all([requireWorkspace(ctx, idOrName), ctx.store.workspaces.list()]);
  return {
    ws,
    layout: {
      signedIn: true,
      tab,
      workspace: { id: ws.id, name: ws.name },
      workspaces: all.map((w) => ({ id: w.id, name: w.name })),
    },
  };
}
