/** The funnel, conversion, time in stage, forecast and cohorts (`/workspaces/:id/funnel`). */
import type { PageRoutes } from './page-routes.ts';

export const registerFunnelRoutes: PageRoutes = () => {
  // Pages arrive with the admin console's funnel area.
};
