/**
 * Erasure of a person (GDPR art. 17), the one implementation behind the vendors' deletion webhooks,
 * `leadstage contact erase` and the JSON API. In one transaction it suppresses the person (keyed
 * hashes of email and source ids, so no pull or handoff re-creates them), removes their rows from
 * the store (snapshot, events, decisions and reasons, stage history, links, per-record errors),
 * queues their CRM records and writes an audit entry without personal data. The CRM part runs by
 * the workspace's policy right away when a CRM connector is at hand, else at the next sync.
 */
import type { Logger } from '../log.ts';
import type { CrmErasureOutcome } from '../model.ts';
import type { CrmErasureTarget, ErasedCounts, Store, Workspace } from '../store/index.ts';

import { ApiCallTally } from './api-calls.ts';
import { openConnectors } from './connectors.ts';
import type { CrmConnector } from './ports.ts';
import type { ConnectorRegistry } from './registry.ts';
import { externalIdFor, identitySettings, sourceAccountOf } from './identity.ts';
import { errorMessage } from './run-context.ts';

export type ErasureTarget = { email: string } | { id: string };

export interface ErasureReport {
  workspace: { id: string; name: string };
  /** How the person was named (never the value itself). */
  by: 'email' | 'id';
  /** Stored contacts that were this person (several when one email had several records). */
  contacts: number;
  removed: ErasedCounts;
  suppressed: number;
  crm: {
    /** True when the CRM was not reached yet: the next sync carries the erasure there. */
    pending: boolean;
    outcomes: CrmErasureOutcome[];
  };
}

export interface ErasureDeps {
  store: Store;
  log: Logger;
  /** The workspace's CRM connector, when the caller can open one; else the CRM part waits. */
  crm?: CrmConnector | null | undefined;
  now?: () => Date;
}

const KINDS_OF_DATA = 'suppression (keyed hashes)';

export async function eraseContact(
  deps: ErasureDeps,
  workspace: Workspace,
  target: ErasureTarget,
  actor: string,
): Promise<ErasureReport> {
  const at = (deps.now ?? (() => new Date()))();
  const { store } = deps;
  const ws = workspace.id;
  const by = 'email' in target ? 'email' : 'id';
  const ids = 'email' in target ? await store.erasures.contactsByEmail(ws, target.email) : [target.id];
  const emails = [...('email' in target ? [target.email] : []), ...(await store.erasures.emailsOf(ws, ids))];
  const all = [...new Set([...ids, ...(await store.erasures.mergedInto(ws, ids))])];
  let targets = await store.erasures.crmTargets(ws, all);
  if (!targets.length && 'id' in target && workspace.sourceConnectionId) {
    // Nothing linked in the store: the CRM may still hold the record under its external id.
    const account = await sourceAccountOf(store, workspace);
    targets = [
      {
        externalId: externalIdFor(workspace.sourceVendor, account, target.id),
        crmId: null,
        convertedContactId: null,
      },
    ];
  }
  const { removed, suppressed } = await store.transaction(async (tx) => {
    const suppressedRows = await tx.suppressions.add(
      ws,
      [
        ...emails.map((value) => ({ kind: 'email' as const, value })),
        ...all.map((value) => ({ kind: 'source_id' as const, value })),
      ],
      at,
    );
    const counts = await tx.erasures.erase(ws, all);
    await tx.erasures.queueCrm(ws, targets, at);
    await tx.audit.append({
      workspaceId: ws,
      at,
      actor,
      action: 'contact.erase',
      dataKinds: [
        ...Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([k]) => k),
        KINDS_OF_DATA,
      ],
      details: { by, rows: counts, crmRecordsQueued: targets.length },
    });
    return { removed: counts, suppressed: suppressedRows };
  });
  deps.log.info('contact erased', {
    workspace: workspace.name,
    by,
    actor,
    contacts: removed.contact_snapshot,
    crmRecords: targets.length,
  });
  const report: ErasureReport = {
    workspace: { id: ws, name: workspace.name },
    by,
    contacts: removed.contact_snapshot,
    removed,
    suppressed,
    crm: { pending: targets.length > 0, outcomes: [] },
  };
  if (deps.crm && targets.length) {
    const outcomes = await propagateCrmErasures({ ...deps, crm: deps.crm }, workspace, actor);
    report.crm = { pending: outcomes.pending > 0, outcomes: outcomes.outcomes };
  }
  return report;
}

/**
 * Carries queued erasures to the CRM by the workspace's policy; each queued entry goes once the
 * CRM answered for it, with an audit entry of what was deleted and what was left (and why).
 */
export async function propagateCrmErasures(
  deps: ErasureDeps & { crm: CrmConnector },
  workspace: Workspace,
  actor: string,
): Promise<{ outcomes: CrmErasureOutcome[]; pending: number }> {
  const { store, crm } = deps;
  const pending = await store.erasures.pendingCrm(workspace.id);
  if (!pending.length || !crm.erase) return { outcomes: [], pending: pending.length };
  const policy = identitySettings(workspace).crmErasure;
  const outcomes: CrmErasureOutcome[] = [];
  let left = 0;
  for (const entry of pending) {
    try {
      const done = await crm.erase(entry.targets.map(toRequest), policy);
      outcomes.push(...done);
      const failed = done.filter((o) => o.action === 'failed');
      await store.transaction(async (tx) => {
        await tx.audit.append({
          workspaceId: workspace.id,
          at: (deps.now ?? (() => new Date()))(),
          actor,
          action: 'contact.erase.crm',
          dataKinds: ['crm_records'],
          details: {
            crm: crm.vendor,
            policy,
            deleted: done.filter((o) => o.action === 'deleted').length,
            notFound: done.filter((o) => o.action === 'not_found').length,
            // Records left in the CRM, by id, so an admin can act on them there.
            kept: done
              .filter((o) => o.action === 'kept')
              .map((o) => ({ object: o.object, id: o.crmId, reason: o.reason })),
            failed: failed.map((o) => ({ object: o.object, id: o.crmId, reason: o.reason })),
          },
        });
        if (failed.length) await tx.erasures.failCrm(entry.id, `${failed.length} record(s) not deleted`);
        else await tx.erasures.finishCrm(entry.id);
      });
      if (failed.length) left++;
    } catch (err) {
      left++;
      await store.erasures.failCrm(entry.id, errorMessage(err));
      deps.log.warn('CRM erasure failed; retried next sync', {
        workspace: workspace.name,
        error: errorMessage(err),
      });
    }
  }
  return { outcomes, pending: left };
}

function toRequest(t: CrmErasureTarget) {
  return { externalId: t.externalId, crmId: t.crmId, convertedContactId: t.convertedContactId };
}

/**
 * The entry point the doors share (CLI, JSON API, webhooks): resolves the workspace, opens its CRM
 * connector when it can (a missing or broken connection leaves the CRM part for the next sync) and
 * erases.
 */
export async function eraseInWorkspace(
  deps: { store: Store; registry: ConnectorRegistry; log: Logger; now?: () => Date; reachCrm?: boolean },
  workspaceRef: string | Workspace,
  target: ErasureTarget,
  actor: string,
): Promise<ErasureReport> {
  const workspace =
    typeof workspaceRef === 'string' ? await deps.store.workspaces.require(workspaceRef) : workspaceRef;
  let crm: CrmConnector | null = null;
  if (deps.reachCrm !== false && workspace.crmVendor && workspace.crmConnectionId) {
    try {
      crm = (
        await openConnectors(
          {
            store: deps.store,
            registry: deps.registry,
            log: deps.log,
            calls: new ApiCallTally(),
            now: deps.now,
          },
          workspace,
        )
      ).crm;
    } catch (err) {
      deps.log.warn('CRM not reachable for the erasure; the next sync carries it there', {
        workspace: workspace.name,
        error: errorMessage(err),
      });
    }
  }
  return eraseContact(
    { store: deps.store, log: deps.log, crm, ...(deps.now ? { now: deps.now } : {}) },
    workspace,
    target,
    actor,
  );
}
