/**
 * Writes decisions back: scores, reason and model version as custom fields through
 * `PATCH /api/contacts/batch/edit` (at most 200 items, Mautic's `api_batch_max_limit`), and the stage
 * for contacts whose stage really changed (the stage read from Mautic differs), either through the
 * Stages API (`POST /api/stages/{id}/contact/{contactId}/add`, the default; every call adds a
 * "Manually Added" stage log entry in Mautic, so none is made for an unchanged stage) or as the
 * contact's `stage` parameter in the same batch. Values are shaped the way Mautic keeps them
 * (field-limits.ts). A batch Mautic refuses as over its limit (a 500) is split to the limit it
 * names; a reason refused as too long is cut to the length Mautic names and sent once more. Each
 * record gets its own outcome; only auth and configuration errors stop the run.
 */
import type { RecordFailure, StageChange, WriteResult } from '../../src/model.ts';
import { AuthError, ConfigError, SyncError } from '../../src/errors.ts';
import type { MauticClient } from './client.ts';
import { MauticApiError, MauticBatchLimitError } from './errors.ts';
import { lengthLimitFrom, mauticScore, truncateOnWord } from './field-limits.ts';
import { scoreFieldFor, type MauticMapping } from './mapping-file.ts';
import { batchEditSchema, successSchema } from './wire.ts';

export const MAUTIC_BATCH_LIMIT = 200;
const STAGE_CONCURRENCY = 4;

export interface StageLookup {
  /** Mautic stage name (lowercased) → id. */
  ids: () => Promise<Map<string, string>>;
  nameOf: (key: string) => string;
}

type Payload = Record<string, string | number | boolean | null>;

/** How long the reason field really is; lowered when Mautic names a shorter length. */
export interface ReasonLength {
  max: number;
}

export function fieldPayload(change: StageChange, mapping: MauticMapping, reasonMax: number): Payload {
  const payload: Payload = { id: Number(change.contactId) };
  for (const [dimension, score] of Object.entries(change.scores)) {
    const value = mauticScore(score);
    payload[scoreFieldFor(mapping, dimension)] = value;
    // Only a blank clears a field through a PATCH, and only with overwriteWithBlank.
    if (value === null) payload.overwriteWithBlank = true;
  }
  payload[mapping.writeBack.reasonField] = truncateOnWord(change.summary, reasonMax);
  payload[mapping.writeBack.modelVersionField] = change.modelVersion;
  return payload;
}

/** A whole call that failed: every record in it failed, retryable when the error is. */
function failAll(ids: string[], err: unknown): RecordFailure[] {
  if (err instanceof AuthError || err instanceof ConfigError) throw err;
  const sync = err instanceof SyncError ? err : null;
  return ids.map((id) => ({
    id,
    code: sync?.code ?? 'unknown',
    message: (err as Error).message,
    retryable: sync?.retryable ?? false,
  }));
}

function unknownStage(change: StageChange, name: string): RecordFailure {
  return {
    id: change.contactId,
    code: 'unknown_stage',
    message: `Mautic has no stage "${name}": run ensureSchema`,
    retryable: false,
  };
}

/** A real move: the stage read from Mautic (previousStage) differs, or the contact had none. */
const moves = (c: StageChange) => c.stage !== c.previousStage;

interface Item {
  change: StageChange;
  payload: Payload;
}

interface BatchOutcome {
  /** Items refused only because the reason was longer than the length Mautic named. */
  tooLong: Item[];
}

async function writeBatch(
  client: MauticClient,
  chunk: Item[],
  ok: string[],
  failed: RecordFailure[],
  reason: { alias: string; length: ReasonLength },
): Promise<BatchOutcome> {
  const tooLong: Item[] = [];
  try {
    const { data } = await client.request({
      method: 'PATCH',
      path: '/contacts/batch/edit',
      body: chunk.map((c) => c.payload),
      schema: batchEditSchema,
    });
    const errors = new Map(data.errors ?? []);
    const codes = new Map(data.statusCodes ?? []);
    chunk.forEach((item, index) => {
      const { change } = item;
      const error = errors.get(String(index));
      const status = codes.get(String(index));
      if (!error && (status === undefined || status < 300)) return void ok.push(change.contactId);
      const limit = error ? lengthLimitFrom(error.message, reason.alias) : null;
      if (limit !== null && limit < reason.length.max) {
        reason.length.max = limit;
        return void tooLong.push(item);
      }
      const code = error?.code ?? status ?? 0;
      failed.push({
        id: change.contactId,
        code: code === 404 ? 'not_found' : `mautic_${code}`,
        message: error?.message ?? `Mautic answered ${code} for this contact`,
        retryable: code >= 500,
      });
    });
  } catch (err) {
    if (err instanceof MauticBatchLimitError && err.limit > 0 && err.limit < chunk.length) {
      // Mautic's api_batch_max_limit is set lower than 200 on this instance: send what it takes.
      for (let i = 0; i < chunk.length; i += err.limit) {
        const part = await writeBatch(client, chunk.slice(i, i + err.limit), ok, failed, reason);
        tooLong.push(...part.tooLong);
      }
      return { tooLong };
    }
    failed.push(
      ...failAll(
        chunk.map((c) => c.change.contactId),
        err,
      ),
    );
  }
  return { tooLong };
}

async function moveStage(
  client: MauticClient,
  change: StageChange,
  stageId: string,
): Promise<RecordFailure | null> {
  try {
    await client.request({
      method: 'POST',
      path: `/stages/${stageId}/contact/${change.contactId}/add`,
      endpoint: 'POST /api/stages/:id/contact/:contactId/add',
      schema: successSchema,
    });
    return null;
  } catch (err) {
    if (err instanceof MauticApiError && err.status === 404) {
      return { id: change.contactId, code: 'not_found', message: err.message, retryable: false };
    }
    return failAll([change.contactId], err)[0]!;
  }
}

/** Stage moves through the Stages API, a few at a time; failures in input order. */
async function moveStages(
  client: MauticClient,
  changes: StageChange[],
  stages: StageLookup,
): Promise<Map<string, RecordFailure>> {
  const todo = changes.filter(moves);
  const ids = todo.length > 0 ? await stages.ids() : new Map<string, string>();
  const failures = new Map<string, RecordFailure>();
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const change = todo[next++]!;
      const name = stages.nameOf(change.stage);
      const id = ids.get(name.toLowerCase());
      const failure = id ? await moveStage(client, change, id) : unknownStage(change, name);
      if (failure) failures.set(change.contactId, failure);
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAGE_CONCURRENCY, todo.length) }, worker));
  return new Map(
    todo.filter((c) => failures.has(c.contactId)).map((c) => [c.contactId, failures.get(c.contactId)!]),
  );
}

export async function writeBackChanges(
  client: MauticClient,
  changes: StageChange[],
  mapping: MauticMapping,
  stages: StageLookup,
  mode: 'stages_api' | 'batch',
  reasonLength: ReasonLength,
): Promise<WriteResult> {
  const ok: string[] = [];
  const failed: RecordFailure[] = [];
  const items: Item[] = [];
  const ids = mode === 'batch' && changes.some(moves) ? await stages.ids() : null;
  for (const change of changes) {
    const payload = fieldPayload(change, mapping, reasonLength.max);
    if (ids && moves(change)) {
      const name = stages.nameOf(change.stage);
      const id = ids.get(name.toLowerCase());
      if (!id) {
        failed.push(unknownStage(change, name));
        continue;
      }
      payload.stage = Number(id);
    }
    items.push({ change, payload });
  }
  const reason = { alias: mapping.writeBack.reasonField, length: reasonLength };
  const tooLong: Item[] = [];
  for (let i = 0; i < items.length; i += MAUTIC_BATCH_LIMIT) {
    const outcome = await writeBatch(client, items.slice(i, i + MAUTIC_BATCH_LIMIT), ok, failed, reason);
    tooLong.push(...outcome.tooLong);
  }
  // Once more with the reason cut to the length Mautic named; a second refusal is a failure.
  const retry = tooLong.map(({ change, payload }) => ({
    change,
    payload: { ...payload, [reason.alias]: truncateOnWord(change.summary, reasonLength.max) },
  }));
  for (let i = 0; i < retry.length; i += MAUTIC_BATCH_LIMIT) {
    // A limit of 0 never lowers again, so a second refusal is recorded as the record's failure.
    await writeBatch(client, retry.slice(i, i + MAUTIC_BATCH_LIMIT), ok, failed, {
      alias: reason.alias,
      length: { max: 0 },
    });
  }
  if (mode === 'batch') return { ok, failed };

  const written = new Set(ok);
  const stageFailures = await moveStages(
    client,
    changes.filter((c) => written.has(c.contactId)),
    stages,
  );
  failed.push(...stageFailures.values());
  return { ok: ok.filter((id) => !stageFailures.has(id)), failed };
}
