/**
 * Connecting and disconnecting a vendor from the console: the form posts (behind admin auth), the
 * OAuth callbacks (before it: the server-side state authenticates them), and the notice the admin
 * reads on the page they land on.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';

import { requireWorkspace } from '../api.ts';
import { type Retirement, completeConnect, disconnect, startConnect } from '../connect.ts';
import type { ServerContext } from '../context.ts';
import { describeError } from '../http-errors.ts';
import { CONNECTABLE_VENDORS, VENDOR_LABELS, isConnectableVendor } from '../vendors.ts';

import { formProblems } from './forms.ts';
import { renderMessagePage } from './layout.ts';
import type { PageRoutes } from './page-routes.ts';
import { renderOverview } from './workspaces-routes.ts';

/** How a retired connection went, for the notice on the page the admin lands on. */
function retirementQuery(r: Retirement): string {
  return `&revoked=${r.revoked ? 1 : 0}${r.notRevoked ? `&why=${r.notRevoked}` : ''}`;
}

/** Where a connect or disconnect lands: the dashboard, scrolled to the workspace. */
function landing(query: string, workspaceId: string): string {
  return `/?${query}#ws-${encodeURIComponent(workspaceId)}`;
}

export const registerConnectionRoutes: PageRoutes = (router, ctx) => {
  const form = express.urlencoded({ extended: false, limit: '10kb' });

  router.post('/workspaces/:id/connect/:vendor', form, async (req: Request, res: Response) => {
    const vendor = z.enum(CONNECTABLE_VENDORS).parse(req.params.vendor);
    const ws = await requireWorkspace(ctx, String(req.params.id));
    const raw = (req.body ?? {}) as Record<string, unknown>;
    try {
      const body = z
        .object({
          baseUrl: z
            .url({ protocol: /^https?$/, error: 'must be the http(s) URL of your Mautic' })
            .optional(),
        })
        .parse(raw);
      if (vendor === 'mautic' && !body.baseUrl) {
        throw new z.ZodError([
          { code: 'custom', path: ['baseUrl'], message: 'the Mautic base URL is required', input: undefined },
        ]);
      }
      res.redirect(303, await startConnect(ctx, ws, vendor, body.baseUrl));
    } catch (err) {
      // A URL that is refused comes back in the workspace's connect form, the message beside it.
      const problems = formProblems(err, { baseUrl: 'baseUrl' });
      if (!problems || vendor !== 'mautic') throw err;
      const values = typeof raw.baseUrl === 'string' ? { baseUrl: raw.baseUrl } : {};
      res
        .status(400)
        .type('html')
        .send(await renderOverview(ctx, res, ws.id, undefined, { values, problems }));
    }
  });

  router.post('/workspaces/:id/disconnect/:vendor', async (req, res) => {
    const vendor = z.enum(CONNECTABLE_VENDORS).parse(req.params.vendor);
    const ws = await requireWorkspace(ctx, String(req.params.id));
    const outcome = await disconnect(ctx, ws, vendor);
    res.redirect(303, landing(`disconnected=${vendor}${retirementQuery(outcome)}`, ws.id));
  });
};

const callbackQuery = z.object({
  state: z.string().min(1, 'is required'),
  code: z.string().min(1).optional(),
  error: z.string().optional(),
});

export function oauthCallbackRouter(ctx: ServerContext): Router {
  const router = express.Router();
  router.get('/:vendor/callback', async (req, res) => {
    const vendor = String(req.params.vendor);
    const message = (status: number, title: string, text: string): void => {
      res.status(status).type('html').send(renderMessagePage(title, text));
    };
    if (!isConnectableVendor(vendor)) {
      message(404, 'Unknown vendor', 'There is no such connect flow.');
      return;
    }
    const q = callbackQuery.safeParse(req.query);
    if (!q.success) {
      message(400, 'Connect failed', 'The callback carries no state: start again from the dashboard.');
      return;
    }
    const pending = await ctx.states.consume(q.data.state);
    if (!pending || pending.vendor !== vendor) {
      ctx.log.warn('oauth callback with unknown, used or expired state', { vendor, ip: req.ip });
      message(
        400,
        'Connect failed',
        'This link expired or was already used: start again from the dashboard.',
      );
      return;
    }
    if (q.data.error || !q.data.code) {
      // The vendor's error code only (RFC 6749 codes are short tokens); its description may echo input.
      const code = /^[a-z_]{1,64}$/.test(q.data.error ?? '') ? q.data.error : 'no_code';
      ctx.log.warn('vendor refused the connection', { vendor, error: code });
      message(400, 'Connect failed', `${VENDOR_LABELS[vendor]} did not grant access (${code}).`);
      return;
    }
    try {
      const outcome = await completeConnect(ctx, pending, q.data.code);
      const replaced = outcome.replaced ? `&replaced=1${retirementQuery(outcome.replaced)}` : '';
      res.redirect(303, landing(`connected=${vendor}${replaced}`, outcome.workspace.id));
    } catch (err) {
      const { status, body } = describeError(err, ctx.log);
      ctx.log.warn('connect failed', { vendor, error: body.error.message });
      message(status >= 500 ? 502 : status, 'Connect failed', body.error.message);
    }
  });
  return router;
}
