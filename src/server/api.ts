/** The admin JSON API under `/api`, behind admin authentication; bodies validated with zod. */
import express, { type Request, type Router } from 'express';
import { z } from 'zod';

import { enqueueSync } from '../../jobs/enqueue.ts';
import { RedisRateLimiter } from '../../jobs/redis-rate-limiter.ts';
import { rateLimitPrefix } from '../../jobs/service.ts';
import {
  causesOf,
  listRecordErrors,
  eraseInWorkspace,
  previewModelChange,
  releaseOffers,
  releaseRecordErrors,
  retryRecordErrors,
} from '../pipeline/index.ts';
import { createWorkspace } from '../admin/workspaces.ts';
import {
  checkCandidateModel,
  checkWorkspace,
  effectiveMapping,
  effectiveMappings,
  mappingHistory,
  MAX_MAPPING_BYTES,
  resetMapping,
  saveMapping,
  validateMapping,
} from '../mappings/index.ts';
import { handoffSettings, saveHandoffSettings } from '../pipeline/handoff-settings.ts';
import { slaWebhookView } from '../sla/webhook.ts';
import { workspaceModel } from '../pipeline/engine.ts';
import { PAGE_WORDS } from '../qualification/page-words.ts';
import { loadFunnel } from '../report/load.ts';
import { loadSlaReport } from '../sla/report.ts';
import { renderFunnelSvg } from '../report/render-svg.ts';
import type { Workspace } from '../store/index.ts';

import { startConnect } from './connect.ts';
import { queueSchedule } from './console-api.ts';
import type { ServerContext } from './context.ts';
import { NotFoundError, jsonRoute } from './http-errors.ts';
import { compileModelInput, modelInputSchema } from './model-input.ts';
import { CONNECTABLE_VENDORS } from './vendors.ts';
import { connectionView, jobView, workspaceJobs, workspaceView } from './views.ts';

/** A model preview evaluates every stored contact; past this it answers 503 rather than hold the request. */
const PREVIEW_TIMEOUT_MS = 20_000;
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

function vendorSchema(known: string[], what: string) {
  return z.string().refine((v) => known.includes(v), {
    message: `must be one of ${known.join(', ') || `(no ${what} connectors)`}`,
  });
}

export async function requireWorkspace(ctx: ServerContext, idOrName: string): Promise<Workspace> {
  // Ids and names are printable and short; anything else (a NUL byte PostgreSQL refuses) names none.
  if (!/^[\x21-\x7e]{1,200}$/.test(idOrName)) throw new NotFoundError('no such workspace');
  const ws = await ctx.store.workspaces.get(idOrName);
  if (!ws) throw new NotFoundError(`no workspace "${idOrName}"`);
  return ws;
}

export function apiRouter(ctx: ServerContext): Router {
  const router = express.Router();
  const createSchema = z
    .object({
      name: z
        .string()
        .regex(
          WORKSPACE_NAME,
          'must be 1-63 letters, digits, "_", "." or "-", starting with a letter or digit',
        ),
      sourceVendor: vendorSchema(ctx.registry.list('source'), 'source'),
      crmVendor: vendorSchema(ctx.registry.list('crm'), 'CRM').nullable().default('salesforce'),
      model: modelInputSchema.optional(),
      scheduleIntervalMinutes: z.number().int().positive().max(10_080).default(15),
    })
    .strict();
  const setModelSchema = z.object({ model: modelInputSchema, dryRun: z.boolean().default(false) }).strict();
  const syncSchema = z.object({ full: z.boolean().default(false) }).strict();
  const errorsFilterSchema = z
    .object({
      step: z.string().optional(),
      code: z.string().optional(),
      ids: z.array(z.string().min(1).max(200)).optional(),
    })
    .strict();
  const eraseSchema = z
    .object({
      email: z.string().trim().min(3).max(320).optional(),
      id: z.string().trim().min(1).max(200).optional(),
    })
    .strict()
    .refine((b) => !!b.email !== !!b.id, { message: 'give exactly one of email or id' });

  const mappingSchema = z
    .object({
      text: z.string().max(MAX_MAPPING_BYTES, `must be at most ${MAX_MAPPING_BYTES / 1024} KB`),
      dryRun: z.boolean().default(false),
    })
    .strict();
  const vendorParam = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'is not a vendor name');

  const handle = jsonRoute(ctx.log);
  const param = (req: Request, name: string) => String(req.params[name]);

  router.get(
    '/workspaces',
    handle(async (_req, res) => {
      const all = await ctx.store.workspaces.list();
      res.json({
        workspaces: await Promise.all(all.map((ws) => workspaceView(ctx.store, ctx.queues.sync, ws))),
      });
    }),
  );

  router.post(
    '/workspaces',
    handle(async (req, res) => {
      const body = createSchema.parse(req.body ?? {});
      const { saved } = await compileModelInput(body.model);
      const ws = await createWorkspace(
        ctx.store,
        {
          name: body.name,
          sourceVendor: body.sourceVendor,
          crmVendor: body.crmVendor,
          model: saved,
          scheduleIntervalMinutes: body.scheduleIntervalMinutes,
          actor: 'api',
        },
        queueSchedule(ctx),
      );
      ctx.log.info('workspace created', { workspace: ws.name });
      res.status(201).json({ workspace: await workspaceView(ctx.store, ctx.queues.sync, ws) });
    }),
  );

  router.get(
    '/workspaces/:id',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      res.json({ workspace: await workspaceView(ctx.store, ctx.queues.sync, ws) });
    }),
  );

  /** The model's SLAs and the latest breaches (the console's and `leadstage sla`'s report). */
  router.get(
    '/workspaces/:id/sla',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      res.json(await loadSlaReport(ctx.store, ws, await workspaceModel(ws)));
    }),
  );

  /** Shows what the new model would change; saves it unless `dryRun`. */
  router.put(
    '/workspaces/:id/model',
    handle(async (req, res) => {
      const body = setModelSchema.parse(req.body ?? {});
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      const { model, saved, warnings } = await compileModelInput(body.model);
      const unchanged = ws.model.version === model.version;
      const signal = AbortSignal.timeout(PREVIEW_TIMEOUT_MS);
      const preview = unchanged ? null : await previewModelChange(ctx.store, ws, model, { signal });
      if (!unchanged && !body.dryRun) {
        await ctx.store.workspaces.setModel(ws.id, saved, { actor: 'api' });
        ctx.log.info('workspace model changed', { workspace: ws.name, version: saved.version });
      }
      const saving = !unchanged && !body.dryRun;
      // The doctor on the new model (offline), before or as it is saved.
      const check = unchanged
        ? null
        : await checkCandidateModel({ store: ctx.store, registry: ctx.registry, log: ctx.log }, ws, saved);
      res.json({
        saved: saving,
        unchanged,
        model: { ref: saved.ref, version: saved.version },
        warnings,
        preview,
        check,
        // What the new model may have fixed: POST .../errors/release with the step and code.
        ...(saving ? { quarantined: await releaseOffers(ctx.store, ws) } : {}),
      });
    }),
  );

  /** Owners and the why of handed-off records (settings.handoff): the same core as the CLI. */
  router.get(
    '/workspaces/:id/handoff',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      res.json({ handoff: handoffSettings(ws), slaWebhook: slaWebhookView(ws.settings) });
    }),
  );

  router.put(
    '/workspaces/:id/handoff',
    handle(async (req, res) => {
      const body = z
        .object({ owner: z.unknown(), why: z.unknown(), reassign: z.unknown(), slaWebhookUrl: z.unknown() })
        .partial()
        .strict()
        .parse(req.body ?? {});
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      const saved = await saveHandoffSettings(ctx.store, ws, body, 'api');
      // The URL is a credential: the answer and the log carry only where it points (host).
      const slaWebhook = slaWebhookView((await requireWorkspace(ctx, ws.id)).settings);
      ctx.log.info('workspace handoff settings changed', {
        workspace: ws.name,
        owner: saved.owner.mode,
        slaWebhook: slaWebhook.source,
      });
      res.json({ handoff: saved, slaWebhook });
    }),
  );

  /**
   * Starts a connect from the API: answers the vendor's authorize URL for the admin to open. The
   * vendor's redirect comes back to the same callback as the console's (state checked server-side),
   * which runs the shared connect core; the doctor's verdict is then in `schemaChecks.<vendor>.doctor`.
   */
  router.post(
    '/workspaces/:id/connect/:vendor',
    handle(async (req, res) => {
      const vendor = z.enum(CONNECTABLE_VENDORS).parse(req.params.vendor);
      const body = z
        .object({ baseUrl: z.url({ protocol: /^https?$/ }).optional() })
        .strict()
        .parse(req.body ?? {});
      if (vendor === 'mautic' && !body.baseUrl) {
        throw new z.ZodError([
          { code: 'custom', path: ['baseUrl'], message: 'the Mautic base URL is required', input: undefined },
        ]);
      }
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      res.json({ authorizeUrl: await startConnect(ctx, ws, vendor, body.baseUrl) });
    }),
  );

  router.post(
    '/workspaces/:id/sync',
    handle(async (req, res) => {
      const body = syncSchema.parse(req.body ?? {});
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      const request = await enqueueSync(ctx.queues.sync, {
        workspaceId: ws.id,
        ...(body.full ? { full: true } : {}),
      });
      // `queued: false`: a job of the same kind was already waiting or running; that one is named.
      res.status(202).json(request);
    }),
  );

  /** Erasure of one person (GDPR art. 17): the same implementation as the CLI and the webhooks. */
  router.post(
    '/workspaces/:id/contacts/erase',
    handle(async (req, res) => {
      const body = eraseSchema.parse(req.body ?? {});
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      const report = await eraseInWorkspace(
        { store: ctx.store, registry: ctx.registry, log: ctx.log },
        ws,
        body.email ? { email: body.email } : { id: body.id! },
        'api',
      );
      res.json({ erasure: report });
    }),
  );

  router.get(
    '/workspaces/:id/jobs',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      res.json({ jobs: await workspaceJobs(ctx.queues.sync, ws.id) });
    }),
  );

  router.get(
    '/workspaces/:id/errors',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      const q = z
        .object({
          step: z.string().optional(),
          code: z.string().optional(),
          quarantined: z.enum(['true', 'false']).optional(),
        })
        .strict()
        .parse(req.query);
      const entries = await listRecordErrors(ctx.store, ws, {
        step: q.step,
        code: q.code,
        quarantinedOnly: q.quarantined === 'true',
      });
      res.json({ causes: causesOf(entries), errors: entries });
    }),
  );

  for (const [action, run] of [
    ['retry', retryRecordErrors],
    ['release', releaseRecordErrors],
  ] as const) {
    router.post(
      `/workspaces/:id/errors/${action}`,
      handle(async (req, res) => {
        const body = errorsFilterSchema.parse(req.body ?? {});
        const ws = await requireWorkspace(ctx, param(req, 'id'));
        const count = await run(ctx.store, ws, { step: body.step, code: body.code, ids: body.ids });
        ctx.log.info(`record errors ${action}`, { workspace: ws.name, count });
        res.json({ [action === 'retry' ? 'retried' : 'released']: count });
      }),
    );
  }

  /** The workspace's mapping per vendor: its own or the vendor default, with an outline of each. */
  router.get(
    '/workspaces/:id/mappings',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      res.json({ mappings: effectiveMappings(ctx, ws) });
    }),
  );

  /** Every saved mapping, newest first, with the model version in use when it was saved. */
  router.get(
    '/workspaces/:id/mapping-history',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      const raw = req.query.vendor;
      const vendor = raw === undefined ? undefined : vendorParam.parse(raw);
      res.json({ history: await mappingHistory(ctx.store, ws, vendor) });
    }),
  );

  router.get(
    '/workspaces/:id/mappings/:vendor',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      res.json({ mapping: effectiveMapping(ctx, ws, vendorParam.parse(param(req, 'vendor'))) });
    }),
  );

  /** Validates a mapping text (errors name line and field) and saves it unless `dryRun`. */
  router.put(
    '/workspaces/:id/mappings/:vendor',
    handle(async (req, res) => {
      const body = mappingSchema.parse(req.body ?? {});
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      const vendor = vendorParam.parse(param(req, 'vendor'));
      if (body.dryRun) {
        res.json({ saved: false, outline: validateMapping(ctx, ws, vendor, body.text) });
        return;
      }
      const { mapping, quarantined } = await saveMapping(ctx, ws, vendor, body.text);
      ctx.log.info('workspace mapping saved', { workspace: ws.name, vendor });
      res.json({ saved: true, mapping, quarantined });
    }),
  );

  /** Drops the workspace's own mapping: the vendor default applies again. */
  router.delete(
    '/workspaces/:id/mappings/:vendor',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      const vendor = vendorParam.parse(param(req, 'vendor'));
      const { mapping, quarantined } = await resetMapping(ctx, ws, vendor);
      ctx.log.info('workspace mapping reset to the default', { workspace: ws.name, vendor });
      res.json({ mapping, quarantined });
    }),
  );

  /** The doctor: findings with severity and fix, and how each stage and fact is supplied. */
  router.get(
    '/workspaces/:id/check',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      const q = z
        .object({ live: z.enum(['true', 'false']).default('true') })
        .strict()
        .parse(req.query);
      const check = await checkWorkspace(
        {
          store: ctx.store,
          registry: ctx.registry,
          log: ctx.log,
          // Shared with the workers, so a check never pushes a vendor past its limits.
          limiter: new RedisRateLimiter(ctx.redis, rateLimitPrefix(ctx.queuePrefix)),
        },
        ws,
        { live: q.live === 'true' },
      );
      res.json({ check });
    }),
  );

  router.get(
    '/workspaces/:id/funnel.svg',
    handle(async (req, res) => {
      const ws = await requireWorkspace(ctx, param(req, 'id'));
      const { report, format } = await loadFunnel(ctx.store, ws.id);
      res
        .type('image/svg+xml')
        .set('Content-Language', PAGE_WORDS[format.locale].lang)
        .send(renderFunnelSvg(report, format.locale));
    }),
  );

  router.get(
    '/connections',
    handle(async (_req, res) => {
      const [connections, workspaces] = await Promise.all([
        ctx.store.connections.list(),
        ctx.store.workspaces.list(),
      ]);
      res.json({
        connections: connections.map((c) => ({
          ...connectionView(c),
          workspaces: workspaces
            .filter((w) => w.sourceConnectionId === c.id || w.crmConnectionId === c.id)
            .map((w) => ({ id: w.id, name: w.name, role: w.sourceConnectionId === c.id ? 'source' : 'crm' })),
        })),
      });
    }),
  );

  router.get(
    '/jobs/:id',
    handle(async (req, res) => {
      const id = z
        .string()
        .regex(/^[A-Za-z0-9:_-]{1,200}$/, 'is not a job id')
        .parse(param(req, 'id'));
      for (const queue of [ctx.queues.sync, ctx.queues.requalify]) {
        const job = await queue.getJob(id);
        if (job) {
          res.json({ job: await jobView(job, queue) });
          return;
        }
      }
      throw new NotFoundError(`no job "${id}"`);
    }),
  );

  router.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no such API route' } });
  });
  return router;
}
