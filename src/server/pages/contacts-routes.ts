/**
 * Contact search and the contact page (`/workspaces/:id/contacts`, `…/contacts/:contactId`), and
 * erasure from the contact page. The same cores as `GET /api/workspaces/:id/contacts[/:contactId]`,
 * `POST /api/workspaces/:id/contacts/erase`, `leadstage contact search|explain|erase`.
 */
import { z } from 'zod';

import { explainStoredContact, searchContacts } from '../../pipeline/explain-contact.ts';
import { workspaceModel } from '../../pipeline/engine.ts';
import { eraseInWorkspace } from '../../pipeline/erasure.ts';
import { PAGE_WORDS } from '../../qualification/page-words.ts';
import type { Workspace } from '../../store/index.ts';
import { requireWorkspace } from '../api.ts';
import type { ServerContext } from '../context.ts';
import { NotFoundError } from '../http-errors.ts';
import { searchQuerySchema } from '../observe-api.ts';
import { recordUrl } from '../record-links.ts';

import { renderContactPage, renderContactSearch, type RecordLinks } from './contacts-page.ts';
import { csrfTokenOf } from './forms.ts';
import { page, workspaceHref } from './layout.ts';
import { type PageRoutes, workspacePage } from './page-routes.ts';

async function linksFor(
  ctx: ServerContext,
  ws: Workspace,
  contactId: string,
  handoff: { crmObject: string | null; crmId: string | null } | null,
): Promise<RecordLinks> {
  const [source, crm] = await Promise.all([
    ws.sourceConnectionId ? ctx.store.connections.get(ws.sourceConnectionId) : null,
    ws.crmConnectionId ? ctx.store.connections.get(ws.crmConnectionId) : null,
  ]);
  return {
    source: recordUrl(ws.sourceVendor, source, contactId),
    crm:
      ws.crmVendor && handoff?.crmId
        ? recordUrl(ws.crmVendor, crm, handoff.crmId, handoff.crmObject ?? 'Lead')
        : null,
  };
}

const erasedQuery = z.object({ erased: z.coerce.number().int().min(0).optional() });

export const registerContactsRoutes: PageRoutes = (router, ctx) => {
  router.get('/workspaces/:id/contacts', async (req, res) => {
    const { ws, layout } = await workspacePage(ctx, String(req.params.id), 'contacts');
    const { q } = searchQuerySchema.parse(req.query);
    const [matches, model] = await Promise.all([
      q ? searchContacts(ctx.store, ws, q) : null,
      workspaceModel(ws),
    ]);
    const erased = erasedQuery.safeParse(req.query);
    const notice =
      erased.success && erased.data.erased !== undefined
        ? {
            kind: 'ok' as const,
            text: `Erased: ${erased.data.erased} stored contact(s) removed and suppressed.`,
          }
        : undefined;
    const locale = model.locale ?? 'en';
    res.type('html').send(
      page(`Contacts · ${ws.name}`, renderContactSearch(ws.id, q, matches, locale), {
        ...layout,
        lang: PAGE_WORDS[locale].lang,
        ...(notice ? { notice } : {}),
      }),
    );
  });

  router.get('/workspaces/:id/contacts/:contactId', async (req, res) => {
    const { ws, layout } = await workspacePage(ctx, String(req.params.id), 'contacts');
    const contactId = String(req.params.contactId);
    const now = new Date();
    const explanation = await explainStoredContact(ctx.store, ws, contactId, now);
    if (!explanation) throw new NotFoundError(`no contact "${contactId}" in workspace "${ws.name}"`);
    const links = await linksFor(ctx, ws, contactId, explanation.handoff);
    const label = explanation.contact.name ?? explanation.contact.email ?? contactId;
    res.type('html').send(
      page(`${label} · ${ws.name}`, renderContactPage(explanation, links, csrfTokenOf(res), now), {
        ...layout,
        lang: PAGE_WORDS[explanation.model.locale].lang,
        crumbs: [{ label }],
      }),
    );
  });

  router.post('/workspaces/:id/contacts/:contactId/erase', async (req, res) => {
    const ws = await requireWorkspace(ctx, String(req.params.id));
    const report = await eraseInWorkspace(
      { store: ctx.store, registry: ctx.registry, log: ctx.log },
      ws,
      { id: String(req.params.contactId) },
      'console',
    );
    res.redirect(303, `${workspaceHref(ws.id, 'contacts')}?erased=${report.contacts}`);
  });
};
