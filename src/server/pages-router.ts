/**
 * The console's pages and form posts (behind admin auth). Each area registers its own routes from
 * its module under `pages/`, so areas grow by adding files; the order below only matters where
 * paths overlap (none do today). OAuth callbacks come before admin auth: see connections-routes.
 */
import express, { type Router } from 'express';

import type { ServerContext } from './context.ts';
import { registerConnectionRoutes } from './pages/connections-routes.ts';
import { registerContactsRoutes } from './pages/contacts-routes.ts';
import { registerFunnelRoutes } from './pages/funnel-routes.ts';
import { registerHandoffRoutes } from './pages/handoff-routes.ts';
import { registerMappingsRoutes } from './pages/mappings-routes.ts';
import { registerModelRoutes } from './pages/model-routes.ts';
import type { PageRoutes } from './pages/page-routes.ts';
import { registerSyncRoutes } from './pages/sync-routes.ts';
import { registerWorkspaceRoutes } from './pages/workspaces-routes.ts';

export { oauthCallbackRouter } from './pages/connections-routes.ts';

const AREAS: PageRoutes[] = [
  registerWorkspaceRoutes,
  registerConnectionRoutes,
  registerModelRoutes,
  registerMappingsRoutes,
  registerHandoffRoutes,
  registerSyncRoutes,
  registerContactsRoutes,
  registerFunnelRoutes,
];

export function pagesRouter(ctx: ServerContext): Router {
  const router = express.Router();
  for (const register of AREAS) register(router, ctx);
  return router;
}
