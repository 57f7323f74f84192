/** Stage and fact mappings (`/workspaces/:id/mappings`) with the doctor's findings. */
import type { PageRoutes } from './page-routes.ts';

export const registerMappingsRoutes: PageRoutes = () => {
  // Pages arrive with the admin console's mappings area.
};
