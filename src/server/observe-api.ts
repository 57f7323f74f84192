/**
 * The JSON doors of the console's observing pages, under `/api` behind admin auth: sync health,
 * contact search and explanation, and the funnel with its forecast. Each answers from the same core
 * as its page and CLI command.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';

import { explainStoredContact, searchContacts } from '../pipeline/explain-contact.ts';
import { loadFunnel, type FunnelOptions } from '../report/load.ts';

import { requireWorkspace } from './api.ts';
import type { ServerContext } from './context.ts';
import { NotFoundError, sendError } from './http-errors.ts';
import { syncHealth } from './sync-health.ts';

const amount = z.coerce.number().finite().nonnegative().max(1e12);

/** Query of the funnel page and API: the forecast's inputs, all optional; empty fields count as absent. */
export const funnelQuerySchema = z
  .object({
    dealSize: amount.optional(),
    monthlyLeads: amount.optional(),
    budget: amount.optional(),
    costPerLead: amount.optional(),
    /** ISO 4217 code, for display only: amounts are in the CRM's currency. @default the model's */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be a three-letter currency code such as EUR')
      .optional(),
    since: z.iso.date().optional(),
  })
  .strip();
export type FunnelQuery = z.infer<typeof funnelQuerySchema>;

/** Drops empty form fields so `?dealSize=` means "not given", not 0. */
export function parseFunnelQuery(query: unknown): FunnelQuery {
  const given = Object.fromEntries(
    Object.entries((query ?? {}) as Record<string, unknown>).filter(([, v]) => v !== '' && v !== undefined),
  );
  return funnelQuerySchema.parse(given);
}

export function funnelOptions(q: FunnelQuery): FunnelOptions {
  return {
    ...(q.dealSize !== undefined ? { dealSize: q.dealSize } : {}),
    ...(q.monthlyLeads !== undefined ? { monthlyLeads: q.monthlyLeads } : {}),
    ...(q.budget !== undefined ? { budget: q.budget } : {}),
    ...(q.costPerLead !== undefined ? { costPerLead: q.costPerLead } : {}),
    ...(q.since !== undefined ? { since: new Date(`${q.since}T00:00:00Z`) } : {}),
  };
}

export const pageQuerySchema = z
  .object({
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    limit: z.coerce.number().int().min(1).max(100).default(10),
  })
  .strip();

export const searchQuerySchema = z.object({ q: z.string().trim().max(200).default('') }).strip();

export function observeApiRouter(ctx: ServerContext): Router {
  const router = express.Router();
  const handle =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await fn(req, res);
      } catch (err) {
        sendError(res, err, ctx.log);
      }
    };
  const workspace = (req: Request) => requireWorkspace(ctx, String(req.params.id));

  router.get(
    '/workspaces/:id/sync-health',
    handle(async (req, res) => {
      const ws = await workspace(req);
      const page = pageQuerySchema.parse(req.query);
      res.json(
        await syncHealth(
          { store: ctx.store, syncQueue: ctx.queues.sync, redis: ctx.redis, queuePrefix: ctx.queuePrefix },
          ws,
          page,
        ),
      );
    }),
  );

  router.get(
    '/workspaces/:id/contacts',
    handle(async (req, res) => {
      const ws = await workspace(req);
      const { q } = searchQuerySchema.parse(req.query);
      res.json({ query: q, contacts: await searchContacts(ctx.store, ws, q) });
    }),
  );

  router.get(
    '/workspaces/:id/contacts/:contactId',
    handle(async (req, res) => {
      const ws = await workspace(req);
      const id = String(req.params.contactId);
      const explanation = await explainStoredContact(ctx.store, ws, id);
      if (!explanation) throw new NotFoundError(`no contact "${id}" in workspace "${ws.name}"`);
      res.json({ contact: explanation });
    }),
  );

  router.get(
    '/workspaces/:id/funnel',
    handle(async (req, res) => {
      const ws = await workspace(req);
      const q = parseFunnelQuery(req.query);
      const { report, modelName, format } = await loadFunnel(ctx.store, ws.id, funnelOptions(q));
      // The model's currency unless the request names another (display only, as for the console).
      res.json({
        model: modelName,
        locale: format.locale,
        currency: q.currency ?? format.currency,
        funnel: report,
      });
    }),
  );

  return router;
}
