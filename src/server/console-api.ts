/**
 * The JSON doors of the console's workspace and model tasks (src/admin/*): health, settings,
 * delete, and the model editor's check, preview, save, history, diff, rollback and export. Mounted
 * under `/api` before the older routes in api.ts.
 */
import express, { type Request, type Router } from 'express';
import { z } from 'zod';

import { nextScheduledRun, scheduleWorkspace, unscheduleWorkspace } from '../../jobs/schedulers.ts';
import {
  checkModelText,
  diffVersions,
  listPresetInfo,
  presetText,
  previewModelText,
  requireVersion,
  rollbackModel,
  saveModel,
} from '../admin/models.ts';
import {
  type SchedulePort,
  deleteWorkspace,
  describeDeletion,
  listWorkspaceHealth,
  planDeletion,
  readSettings,
  settingsChangeSchema,
  updateSettings,
  workspaceHealth,
} from '../admin/workspaces.ts';

import { requireWorkspace } from './api.ts';
import { retireThrough } from './connect.ts';
import { checkCandidateModel } from '../mappings/index.ts';
import type { ServerContext } from './context.ts';
import { jsonRoute } from './http-errors.ts';

/** A model preview evaluates every stored contact; past this it answers 503 rather than hold the request. */
export const PREVIEW_TIMEOUT_MS = 20_000;
const MODEL_TEXT = z.string().min(1, 'is empty').max(1_000_000);
const COMMENT = z.string().trim().max(500).default('');

/** The server's schedule: the sync queue's job scheduler, changed at once. */
export function queueSchedule(ctx: ServerContext): SchedulePort {
  return {
    nextRun: (id) => nextScheduledRun(ctx.queues.sync, id),
    set: (id, minutes) => scheduleWorkspace(ctx.queues.sync, id, minutes * 60_000),
    remove: (id) => unscheduleWorkspace(ctx.queues.sync, id),
  };
}

export function consoleApiRouter(ctx: ServerContext): Router {
  const router = express.Router();
  const schedule = queueSchedule(ctx);
  const handle = jsonRoute(ctx.log);
  const workspace = (req: Request) => requireWorkspace(ctx, String(req.params.id));
  const versionId = (req: Request, name = 'vid') =>
    z.coerce.number().int().positive().parse(req.params[name]);

  router.get(
    '/health/workspaces',
    handle(async (_req, res) => {
      res.json({ workspaces: await listWorkspaceHealth(ctx.store, schedule) });
    }),
  );

  router.get(
    '/workspaces/:id/health',
    handle(async (req, res) => {
      res.json({ workspace: await workspaceHealth(ctx.store, await workspace(req), schedule) });
    }),
  );

  router.get(
    '/workspaces/:id/settings',
    handle(async (req, res) => {
      res.json({ settings: await readSettings(ctx.store, await workspace(req)) });
    }),
  );

  router.patch(
    '/workspaces/:id/settings',
    handle(async (req, res) => {
      const change = settingsChangeSchema.parse(req.body ?? {});
      const { workspace: updated, changed } = await updateSettings(
        ctx.store,
        await workspace(req),
        change,
        schedule,
        'api',
      );
      if (changed.length) ctx.log.info('workspace settings changed', { workspace: updated.name, changed });
      res.json({ settings: await readSettings(ctx.store, updated), changed });
    }),
  );

  /** What a delete would remove, in numbers and in words. */
  router.get(
    '/workspaces/:id/deletion',
    handle(async (req, res) => {
      const plan = await planDeletion(ctx.store, await workspace(req));
      res.json({ plan, removes: describeDeletion(plan) });
    }),
  );

  router.delete(
    '/workspaces/:id',
    handle(async (req, res) => {
      const body = z
        .object({ confirm: z.string() })
        .strict()
        .parse(req.body ?? {});
      const ws = await workspace(req);
      const outcome = await deleteWorkspace(ctx.store, ws, body.confirm, {
        retire: retireThrough(ctx),
        schedule,
      });
      ctx.log.info('workspace deleted', { workspace: ws.name });
      res.json({ deleted: outcome });
    }),
  );

  router.post(
    '/models/check',
    handle(async (req, res) => {
      const body = z
        .object({ yaml: z.string().max(1_000_000) })
        .strict()
        .parse(req.body ?? {});
      res.json(await checkModelText(body.yaml));
    }),
  );

  router.get(
    '/models/presets',
    handle(async (_req, res) => {
      res.json({ presets: await listPresetInfo() });
    }),
  );

  router.get(
    '/models/presets/:name',
    handle(async (req, res) => {
      const name = z
        .string()
        .regex(/^[a-z0-9-]{1,64}$/, 'must be a preset name such as hubspot-lifecycle')
        .parse(req.params.name);
      res.json({ name, yaml: await presetText(name) });
    }),
  );

  router.get(
    '/workspaces/:id/model',
    handle(async (req, res) => {
      const ws = await workspace(req);
      res.json({ model: { ref: ws.model.ref, version: ws.model.version, yaml: ws.model.text } });
    }),
  );

  /** Export: the model as a YAML file to keep, review or import elsewhere. */
  router.get(
    '/workspaces/:id/model.yaml',
    handle(async (req, res) => {
      const ws = await workspace(req);
      res
        .type('application/yaml')
        .attachment(`${ws.name}-model-${ws.model.version}.yaml`)
        .send(ws.model.text);
    }),
  );

  router.post(
    '/workspaces/:id/model/preview',
    handle(async (req, res) => {
      const body = z
        .object({ yaml: MODEL_TEXT })
        .strict()
        .parse(req.body ?? {});
      const signal = AbortSignal.timeout(PREVIEW_TIMEOUT_MS);
      const ws = await workspace(req);
      const preview = await previewModelText(ctx.store, ws, body.yaml, { signal });
      // The doctor on the edited model (offline), shown before it is saved.
      const check = await checkCandidateModel(
        { store: ctx.store, registry: ctx.registry, log: ctx.log },
        ws,
        { text: body.yaml, ref: 'model.yaml', version: preview.version },
      );
      res.json({ ...preview, check });
    }),
  );

  /** Save with a comment (the older `PUT …/model` saves without one). */
  router.post(
    '/workspaces/:id/model',
    handle(async (req, res) => {
      const body = z
        .object({ yaml: MODEL_TEXT, comment: COMMENT })
        .strict()
        .parse(req.body ?? {});
      const ws = await workspace(req);
      const outcome = await saveModel(ctx.store, ws, {
        text: body.yaml,
        comment: body.comment,
        actor: 'web',
      });
      if (outcome.saved) {
        ctx.log.info('workspace model changed', { workspace: ws.name, version: outcome.model.version });
      }
      res.json(outcome);
    }),
  );

  router.get(
    '/workspaces/:id/model/versions',
    handle(async (req, res) => {
      const ws = await workspace(req);
      res.json({ current: ws.model.version, versions: await ctx.store.modelVersions.list(ws.id) });
    }),
  );

  router.get(
    '/workspaces/:id/model/versions/:vid',
    handle(async (req, res) => {
      const ws = await workspace(req);
      res.json({ version: await requireVersion(ctx.store, ws, versionId(req)) });
    }),
  );

  /** `?to=ID` compares with another version; without it, with the model in use. */
  router.get(
    '/workspaces/:id/model/versions/:vid/diff',
    handle(async (req, res) => {
      const ws = await workspace(req);
      const q = z.object({ to: z.coerce.number().int().positive().optional() }).strict().parse(req.query);
      res.json({ diff: await diffVersions(ctx.store, ws, versionId(req), q.to) });
    }),
  );

  router.post(
    '/workspaces/:id/model/versions/:vid/rollback',
    handle(async (req, res) => {
      const body = z
        .object({ comment: COMMENT })
        .strict()
        .parse(req.body ?? {});
      const ws = await workspace(req);
      const outcome = await rollbackModel(ctx.store, ws, versionId(req), 'web', body.comment);
      ctx.log.info('workspace model rolled back', { workspace: ws.name, to: outcome.model.version });
      res.json(outcome);
    }),
  );

  return router;
}
