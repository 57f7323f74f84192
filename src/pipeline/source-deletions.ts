/**
 * Contacts a source reports deleted. Where the vendor's merge reaches us only as a deletion of the
 * merged-away contact (Mautic), the source connector tells the two apart (`fateOfDeleted`): a merge
 * moves links, history and decisions to the survivor and retires the id; a real deletion erases the
 * person. When the source cannot be asked (down, refusing), nothing is guessed: the ids wait as
 * `source_deletion` record errors and the next sync asks again (Mautic never redelivers a webhook,
 * whatever we answer, so the answer cannot be the retry).
 */
import type { Logger } from '../log.ts';
import type { Store, Workspace } from '../store/index.ts';

import { ApiCallTally } from './api-calls.ts';
import { openConnectors } from './connectors.ts';
import { eraseContact } from './erasure.ts';
import { applyMerges } from './identity.ts';
import type { SourceConnector } from './ports.ts';
import type { ConnectorRegistry } from './registry.ts';
import { DEFAULT_TUNING, errorMessage } from './run-context.ts';

export const SOURCE_DELETION_STEP = 'source_deletion';

export interface DeletionsSettled {
  /** Merged-away ids and the contact each lives on as (to re-qualify). */
  merged: { id: string; into: string }[];
  erased: string[];
  /** The source still has these: the deletion was undone or never happened; nothing done. */
  stillThere: string[];
  /** The source could not be asked: left for the next sync. */
  pending: string[];
}

/** What is asked of the source: whether a deletion was a merge (vendors whose merges hide in deletions). */
type DeletionSource = { vendor: string; fateOfDeleted?: SourceConnector['fateOfDeleted'] };

interface SettleDeps {
  store: Store;
  log: Logger;
  now: () => Date;
  quarantineAfter?: number;
}

/**
 * Merges or erases each of `ids` as the source says; a failure to ask leaves them all pending (as
 * record errors the next sync retries). `actor` is who the erasures are audited as.
 */
export async function settleDeletions(
  deps: SettleDeps,
  workspace: Workspace,
  source: DeletionSource,
  ids: string[],
  actor: string,
): Promise<DeletionsSettled> {
  const out: DeletionsSettled = { merged: [], erased: [], stillThere: [], pending: [] };
  const unique = [...new Set(ids)];
  if (!unique.length) return out;
  let fates: Map<string, string | null>;
  try {
    // A vendor that reports merges on their own (HubSpot) has no merge hidden in a deletion.
    fates = source.fateOfDeleted
      ? await source.fateOfDeleted(unique)
      : new Map(unique.map((id) => [id, null]));
  } catch (err) {
    await deps.store.recordErrors.recordFailures(
      workspace.id,
      SOURCE_DELETION_STEP,
      unique.map((recordId) => ({
        recordId,
        code: 'fate_unknown',
        message: `${source.vendor} deleted this contact; could not ask whether it was merged: ${errorMessage(err)}`,
      })),
      { quarantineAfter: deps.quarantineAfter ?? DEFAULT_TUNING.quarantineAfter, at: deps.now() },
    );
    deps.log.warn('deleted contacts left for the next sync: the source could not say if they were merged', {
      workspace: workspace.name,
      contacts: unique.length,
      error: errorMessage(err),
    });
    return { ...out, pending: unique };
  }
  for (const id of unique) {
    const fate = fates.get(id);
    if (fate === undefined) out.stillThere.push(id);
    else if (fate === null) out.erased.push(id);
    else out.merged.push({ id, into: fate });
  }
  if (out.merged.length) {
    const byInto = new Map<string, string[]>();
    for (const m of out.merged) byInto.set(m.into, [...(byInto.get(m.into) ?? []), m.id]);
    await applyMerges(
      deps.store,
      workspace.id,
      [...byInto].map(([intoId, mergedIds]) => ({ intoId, mergedIds })),
      deps.now(),
      deps.log,
    );
  }
  for (const id of out.erased) {
    // The CRM part is queued: the sync (now or next) carries it there by the workspace's policy.
    await eraseContact({ store: deps.store, log: deps.log, now: deps.now }, workspace, { id }, actor);
  }
  await deps.store.recordErrors.clear(workspace.id, SOURCE_DELETION_STEP, unique);
  return out;
}

/** The webhook door: opens the workspace's source connector and settles the deletions it reported. */
export async function applySourceDeletions(
  deps: { store: Store; registry: ConnectorRegistry; log: Logger; now?: () => Date },
  workspace: Workspace,
  ids: string[],
  actor: string,
): Promise<DeletionsSettled> {
  const now = deps.now ?? (() => new Date());
  let source: DeletionSource;
  try {
    ({ source } = await openConnectors(
      { store: deps.store, registry: deps.registry, log: deps.log, calls: new ApiCallTally(), now },
      workspace,
    ));
  } catch (err) {
    // A connection needing a reconnect: the deletions wait for the sync like any failure to ask.
    source = {
      vendor: workspace.sourceVendor,
      fateOfDeleted: () => Promise.reject(err instanceof Error ? err : new Error(String(err))),
    };
  }
  return settleDeletions({ store: deps.store, log: deps.log, now }, workspace, source, ids, actor);
}

/** At the start of a sync: deletions a webhook could not settle are asked about again. */
export async function settlePendingDeletions(
  deps: SettleDeps,
  workspace: Workspace,
  source: DeletionSource,
): Promise<DeletionsSettled | null> {
  const waiting = await deps.store.recordErrors.list(workspace.id, {
    step: SOURCE_DELETION_STEP,
    quarantined: false,
  });
  if (!waiting.length) return null;
  return settleDeletions(
    deps,
    workspace,
    source,
    waiting.map((e) => e.recordId),
    'sync',
  );
}
