/**
 * `--dry-run` is the run itself with its writes withheld, so it predicts the run: the same steps
 * (run-sync.ts) on a store bound to a transaction that is rolled back at the end, with connectors
 * that read from the vendors but record their writes instead of sending them. Later steps see the
 * earlier steps' store writes (a handoff sees the decision, the second qualify sees the sales facts),
 * exactly as in a run. What the dry run reports is what those steps did.
 */
import type { ApiWork, CredentialStore, Credentials, CrmConnector, SourceConnector } from './ports.ts';
import type { Decision, HandoffRecord, StageChange } from '../model.ts';
import type { Store, StoredDecision } from '../store/index.ts';

import { PreviewBuilder } from './preview.ts';
import type { RunContext, RunObserver } from './run-context.ts';
import type { SyncPreview } from './types.ts';

/** What a dry run's steps decided, wrote and handed off, per contact. */
export class DryRunRecorder implements RunObserver {
  private readonly decisions = new Map<string, { from: string | null; last: Decision }>();
  private readonly written = new Map<string, StageChange>();
  private readonly handed = new Map<string, HandoffRecord>();
  private readonly created = new Set<string>();

  decided(decision: Decision, before: StoredDecision | undefined): void {
    const seen = this.decisions.get(decision.contactId);
    // A contact decided twice in one run (again after sales outcomes) moved from its first stage.
    this.decisions.set(decision.contactId, {
      from: seen ? seen.from : (before?.stage ?? null),
      last: decision,
    });
  }

  wrote(changes: StageChange[]): void {
    for (const c of changes) this.written.set(c.contactId, c);
  }

  handedOff(record: HandoffRecord, created: boolean): void {
    this.handed.set(record.sourceContactId, record);
    if (created) this.created.add(record.sourceContactId);
  }

  build(model: RunContext['model'], hasCrm: boolean): SyncPreview {
    const preview = new PreviewBuilder(model, hasCrm);
    const ids = new Set([...this.decisions.keys(), ...this.written.keys(), ...this.handed.keys()]);
    for (const id of ids) {
      const d = this.decisions.get(id);
      // Written or handed off without a new decision (a write that failed in an earlier run).
      const stage = d?.last.stage ?? this.written.get(id)?.stage ?? this.handed.get(id)!.stage;
      preview.put(id, {
        from: d ? d.from : stage,
        to: stage,
        summary: d?.last.summary ?? '',
        write: this.written.has(id),
        handoff: this.handed.has(id),
        firstHandoff: this.created.has(id),
        held: d?.last.reasons.some((r) => r.code === 'held') ?? false,
      });
    }
    return { ...preview.build(), evaluated: this.decisions.size };
  }
}

/** The work of a dry run as the vendors saw it: its writes were answered here, with no call. */
function withheld(work: ApiWork): ApiWork {
  return {
    ...work,
    writtenBack: 0,
    recycled: 0,
    handedOff: 0,
    firstHandoffs: 0,
    handedAccounts: 0,
    learnOnly: true,
  };
}

/** The source, reading as usual; writes are recorded and answered as applied. */
function withheldSource(real: SourceConnector, recorder: DryRunRecorder): SourceConnector {
  return {
    vendor: real.vendor,
    ...(real.writeBatchSize === undefined ? {} : { writeBatchSize: real.writeBatchSize }),
    ...(real.minimumCalls ? { minimumCalls: (work) => real.minimumCalls!(withheld(work)) } : {}),
    ...(real.streamOf ? { streamOf: real.streamOf } : {}),
    pullContacts: (since) => real.pullContacts(since),
    pullEngagement: (since, eventTypes) => real.pullEngagement(since, eventTypes),
    fetchContacts: (ids) => real.fetchContacts(ids),
    writeBack: (changes) => {
      recorder.wrote(changes);
      return Promise.resolve({ ok: changes.map((c) => c.contactId), failed: [] });
    },
    // How stages are read depends on the model's stages; creating properties and stages is a write.
    ensureSchema: (spec) => real.ensureSchema({ ...spec, learnOnly: true }),
  };
}

/**
 * The CRM, reading sales outcomes as usual; handoffs are recorded and answered as applied, a record
 * with no link yet as created. (A first handoff that would match an existing CRM record on email is
 * counted as created: finding out would take the CRM's search, which the dry run does not make.)
 */
function withheldCrm(ctx: RunContext, real: CrmConnector, recorder: DryRunRecorder): CrmConnector {
  return {
    vendor: real.vendor,
    ...(real.minimumCalls ? { minimumCalls: (work) => real.minimumCalls!(withheld(work)) } : {}),
    ...(real.streamOf ? { streamOf: real.streamOf } : {}),
    pullSalesOutcomes: (since) => real.pullSalesOutcomes(since),
    ensureSchema: (spec) => real.ensureSchema({ ...spec, learnOnly: true }),
    handoff: async (records) => {
      const ok = [];
      for (const r of records) {
        const link = await ctx.store.links.find(ctx.workspace.id, { externalId: r.externalId });
        recorder.handedOff(r, !link);
        ok.push({
          externalId: r.externalId,
          crmId: link?.crmId ?? `dry-run:${r.externalId}`,
          created: !link,
        });
      }
      return { ok, failed: [] };
    },
    ...(real.rekey
      ? { rekey: (changes) => Promise.resolve({ ok: changes.map((c) => c.from), failed: [] }) }
      : {}),
    // No `erase`: erasures still waiting for the CRM stay waiting.
  };
}

/** Swaps the run's connectors for write-withholding ones; returns what they and the steps record. */
export function withholdWrites(ctx: RunContext): DryRunRecorder {
  const recorder = new DryRunRecorder();
  ctx.source = withheldSource(ctx.source, recorder);
  if (ctx.crm) ctx.crm = withheldCrm(ctx, ctx.crm, recorder);
  ctx.observer = recorder;
  return recorder;
}

/**
 * Runs `fn` on a store whose writes are rolled back. Credentials are the exception: a token the
 * vendor refreshed meanwhile (Mautic rotates its refresh token) is saved for real afterwards, as is
 * a connection found to need reconnecting; else the dry run would break the connection.
 */
export async function rehearse<T>(
  store: Store,
  fn: (store: Store, credentials: (connectionId: string) => CredentialStore) => Promise<T>,
): Promise<T> {
  const refreshed = new Map<string, Credentials>();
  const reconnect = new Map<string, string>();
  try {
    return await store.rolledBack((tx) =>
      fn(tx, (id) => {
        const inner = tx.connections.credentialStore(id);
        return {
          read: () => inner.read(),
          refresh: async (refresh) => {
            const next = await inner.refresh(refresh);
            refreshed.set(id, next);
            return next;
          },
          markNeedsReconnect: async (reason) => {
            reconnect.set(id, reason);
            await inner.markNeedsReconnect(reason);
          },
        };
      }),
    );
  } finally {
    for (const [id, credentials] of refreshed) {
      await store.connections.credentialStore(id).refresh(() => Promise.resolve(credentials));
    }
    for (const [id, reason] of reconnect) {
      await store.connections.credentialStore(id).markNeedsReconnect(reason);
    }
  }
}
