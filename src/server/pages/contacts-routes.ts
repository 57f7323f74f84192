/** Contact search and the contact page (`/workspaces/:id/contacts`, `…/contacts/:contactId`). */
import type { PageRoutes } from './page-routes.ts';

export const registerContactsRoutes: PageRoutes = () => {
  // Pages arrive with the admin console's contacts area.
};
