/**
 * The admin's view of per-record failures, shared by the CLI and the JSON API: list them, let
 * quarantined ones be tried once more (`retry`), or forget them so they start afresh (`release`),
 * and the causes a configuration change may have fixed.
 */
import { ValidationError } from '../errors.ts';
import type { RecordErrorEntry, RecordErrorFilter, Store, Workspace } from '../store/index.ts';

export interface QuarantineQuery {
  step?: string | undefined;
  code?: string | undefined;
  ids?: string[] | undefined;
  /** Listing only: quarantined entries alone. */
  quarantinedOnly?: boolean | undefined;
}

/** A step and vendor code with how many records failed on it and how many are quarantined. */
export interface QuarantineCause {
  step: string;
  code: string;
  failing: number;
  quarantined: number;
  /** One message, as an example of what the vendor said. */
  example: string;
}

const STEP = /^[a-z_]{1,40}$/;
const CODE = /^[A-Za-z0-9_.:-]{1,80}$/;

function toFilter(q: QuarantineQuery): RecordErrorFilter {
  if (q.step !== undefined && !STEP.test(q.step)) {
    throw new ValidationError(`step "${q.step}" is not a sync step such as write_back or handoff`);
  }
  if (q.code !== undefined && !CODE.test(q.code)) {
    throw new ValidationError(`code "${q.code}" is not an error code such as unmapped_stage`);
  }
  if (q.ids !== undefined && (q.ids.length === 0 || q.ids.length > 10_000)) {
    throw new ValidationError('ids must list between 1 and 10,000 record ids');
  }
  return { step: q.step, code: q.code, recordIds: q.ids, quarantinedOnly: q.quarantinedOnly };
}

export async function listRecordErrors(
  store: Store,
  ws: Workspace,
  q: QuarantineQuery = {},
): Promise<RecordErrorEntry[]> {
  const f = toFilter(q);
  const all = await store.recordErrors.list(ws.id, {
    ...(f.step ? { step: f.step } : {}),
    ...(f.quarantinedOnly ? { quarantined: true } : {}),
  });
  const ids = f.recordIds ? new Set(f.recordIds) : null;
  return all.filter((e) => (!f.code || e.vendorCode === f.code) && (!ids || ids.has(e.recordId)));
}

/** Failures grouped by step and code, the most quarantined first. */
export function causesOf(entries: RecordErrorEntry[]): QuarantineCause[] {
  const byKey = new Map<string, QuarantineCause>();
  for (const e of entries) {
    const key = `${e.step}\u0000${e.vendorCode}`;
    const cause = byKey.get(key) ?? {
      step: e.step,
      code: e.vendorCode,
      failing: 0,
      quarantined: 0,
      example: e.message,
    };
    cause.failing++;
    if (e.quarantined) cause.quarantined++;
    byKey.set(key, cause);
  }
  return [...byKey.values()].sort((a, b) => b.quarantined - a.quarantined || b.failing - a.failing);
}

/** Quarantined records matching `q` get one more try on the next run. */
export function retryRecordErrors(store: Store, ws: Workspace, q: QuarantineQuery = {}): Promise<number> {
  return store.recordErrors.retryWhere(ws.id, toFilter(q));
}

/** Failures matching `q` are forgotten: the records start afresh on the next run. */
export function releaseRecordErrors(store: Store, ws: Workspace, q: QuarantineQuery = {}): Promise<number> {
  return store.recordErrors.releaseWhere(ws.id, toFilter(q));
}

/** A quarantined cause a configuration change may have fixed, with the command that releases it. */
export type ReleaseOffer = QuarantineCause & { command: string };

/**
 * What to offer after a configuration change (model or mapping): the quarantined causes, each with
 * the command that releases it. Empty when nothing is quarantined.
 */
export async function releaseOffers(store: Store, ws: Workspace): Promise<ReleaseOffer[]> {
  const causes = causesOf(await listRecordErrors(store, ws, { quarantinedOnly: true }));
  return causes.map((c) => ({
    ...c,
    command: `leadstage errors release --workspace ${ws.name} --step ${c.step} --code ${c.code}`,
  }));
}
