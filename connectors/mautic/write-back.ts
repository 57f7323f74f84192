/**
 * Writes decisions back: scores, reason and model version as custom fields through
 * `PATCH /api/contacts/batch/edit` (at most 200 items, Mautic's `api_batch_max_limit`), and the stage
 * for contacts whose stage changed, either through the Stages API
 * (`POST /api/stages/{id}/contact/{contactId}/add`, the default) or as the contact's `stage`
 * parameter in the same batch. Each record gets its own outcome; only auth and configuration errors
 * stop the run.
 */
import type { RecordFailure, StageChange, WriteResult } from '../../src/model.ts';
import { AuthError, ConfigError, SyncError } from '../../src/errors.ts';
import type { MauticClient } from './client.ts';
import { MauticApiError } from './errors.ts';
import { scoreFieldFor, type MauticMapping } from './mapping-file.ts';
import { batchEditSchema, successSchema } from './wire.ts';

export const MAUTIC_BATCH_LIMIT = 200;
const STAGE_CONCURRENCY = 4;

export interface StageLookup {
  /** Mautic stage name (lowercased) → id. */
  ids: () => Promise<Map<string, string>>;
  nameOf: (key: string) => string;
}

export function fieldPayload(change: StageChange, mapping: MauticMapping): Record<string, string | number> {
  const payload: Record<string, string | number> = { id: Number(change.contactId) };
  for (const [dimension, score] of Object.entries(change.scores)) {
    payload[scoreFieldFor(mapping, dimension)] = score;
  }
  payload[mapping.writeBack.reasonField] = change.summary.slice(0, mapping.writeBack.reasonMaxLength);
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

const moves = (c: StageChange) => c.stage !== c.previousStage;

async function writeBatch(
  client: MauticClient,
  chunk: { change: StageChange; payload: Record<string, string | number> }[],
  ok: string[],
  failed: RecordFailure[],
): Promise<void> {
  try {
    const { data } = await client.request({
      method: 'PATCH',
      path: '/contacts/batch/edit',
      body: chunk.map((c) => c.payload),
      schema: batchEditSchema,
    });
    const errors = new Map(data.errors ?? []);
    const codes = new Map(data.statusCodes ?? []);
    chunk.forEach(({ change }, index) => {
      const error = errors.get(String(index));
      const status = codes.get(String(index));
      if (!error && (status === undefined || status < 300)) return void ok.push(change.contactId);
      const code = error?.code ?? status ?? 0;
      failed.push({
        id: change.contactId,
        code: code === 404 ? 'not_found' : `mautic_${code}`,
        message: error?.message ?? `Mautic answered ${code} for this contact`,
        retryable: code >= 500,
      });
    });
  } catch (err) {
    failed.push(
      ...failAll(
        chunk.map((c) => c.change.contactId),
        err,
      ),
    );
  }
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
): Promise<WriteResult> {
  const ok: string[] = [];
  const failed: RecordFailure[] = [];
  const items: { change: StageChange; payload: Record<string, string | number> }[] = [];
  const ids = mode === 'batch' && changes.some(moves) ? await stages.ids() : null;
  for (const change of changes) {
    const payload = fieldPayload(change, mapping);
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
  for (let i = 0; i < items.length; i += MAUTIC_BATCH_LIMIT) {
    await writeBatch(client, items.slice(i, i + MAUTIC_BATCH_LIMIT), ok, failed);
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
