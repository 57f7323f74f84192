/**
 * Write back: decisions whose stage or scores differ from what the source was last sent go out in
 * vendor-sized batches. Per-record failures are recorded and retried on later runs.
 */
import { RecordRejectedError } from '../../errors.ts';
import type { StageChange, WriteResult } from '../../model.ts';
import type { PendingWrite } from '../../store/index.ts';
import { InFlight } from '../in-flight.ts';
import { pendingPages } from './pending-pages.ts';
import {
  recordFailures,
  type RunContext,
  type SendScope,
  type Sent,
  type StepCount,
} from '../run-context.ts';

export function toStageChange(w: PendingWrite): StageChange {
  return {
    contactId: w.contactId,
    stage: w.stage,
    // The stage as read from the source, equal or not: connectors skip stage calls when it equals.
    ...(w.sourceStage ? { previousStage: w.sourceStage } : {}),
    scores: w.scores,
    summary: w.summary,
    modelVersion: w.modelVersion,
    recycled: w.recycled,
  };
}

async function send(ctx: RunContext, changes: StageChange[]): Promise<WriteResult> {
  try {
    return await ctx.source.writeBack(changes);
  } catch (err) {
    // A connector may throw a single record's rejection instead of returning it.
    if (err instanceof RecordRejectedError) {
      return {
        ok: [],
        failed: [
          { id: err.recordId, code: err.code, message: err.message, retryable: false, fields: err.fields },
        ],
      };
    }
    throw err;
  }
}

/**
 * `progress`: a count shared by several calls of one run (the pipelined steps call once per qualified
 * batch); progress then reports the running count without a total, which is not known yet.
 */
export async function writeBack(ctx: RunContext, scope: SendScope = {}, progress?: StepCount): Promise<Sent> {
  const ws = ctx.workspace.id;
  const limit = ctx.source.writeBatchSize ?? ctx.tuning.writeBatchSize;
  const held: string[] = [];
  let written = 0;
  const total = progress
    ? undefined
    : scope.ids
      ? scope.ids.length
      : await ctx.store.decisions.countPendingWrites(ws);
  const report = () =>
    ctx.progress(
      total === undefined
        ? { step: 'write_back', done: (progress?.done ?? 0) + written }
        : { step: 'write_back', done: written, total: Math.max(total, written) },
    );
  if (!progress) await report();
  // Two batches in flight: each write's own latency (the call, then storing its outcome) no longer
  // bounds the step below the source's rate budget. Batches hold different contacts.
  const sending = new InFlight(ctx.tuning.writeConcurrency);
  const sendBatch = async (batch: PendingWrite[]): Promise<void> => {
    const result = await send(ctx, batch.map(toStageChange));
    const okIds = new Set(result.ok);
    const failedIds = new Set(result.failed.map((f) => f.id));
    const ok = batch.filter((w) => okIds.has(w.contactId));
    const failures = [
      ...result.failed
        .filter((f) => batch.some((w) => w.contactId === f.id))
        .map((f) => ({ recordId: f.id, code: f.code, message: f.message })),
      ...batch
        .filter((w) => !okIds.has(w.contactId) && !failedIds.has(w.contactId))
        .map((w) => ({
          recordId: w.contactId,
          code: 'no_outcome',
          message: 'the connector reported no outcome',
        })),
    ];
    await ctx.store.transaction(async (tx) => {
      await tx.decisions.markWritten(ws, ok, ctx.at);
      await tx.contacts.setSourceStage(
        ws,
        ok.map((w) => ({ contactId: w.contactId, stage: w.stage })),
      );
      await tx.recordErrors.clear(
        ws,
        'write_back',
        ok.map((w) => w.contactId),
      );
    });
    await recordFailures(ctx, 'write_back', failures);
    written += ok.length;
    ctx.tally.writtenBack += ok.length;
    ctx.tally.recycledWrites += ok.filter((w) => w.recycled).length;
    await report();
  };
  try {
    const pages = pendingPages(ctx, 'write_back', { scope, limit, held }, (page) =>
      ctx.store.decisions.pendingWrites(ws, { ...page, skipQuarantinedStep: 'write_back' }),
    );
    for await (const batch of pages) await sending.start(() => sendBatch(batch));
  } catch (err) {
    // Never return while a write is still in flight: the run's lock is released after us.
    await sending.drain().catch(() => undefined);
    throw err;
  }
  await sending.drain();
  if (progress) progress.done += written;
  return { sent: written, held };
}
