/** The model editor (`/workspaces/:id/model`): edit, preview, save, versions. */
import type { PageRoutes } from './page-routes.ts';

export const registerModelRoutes: PageRoutes = () => {
  // Pages arrive with the admin console's model area.
};
