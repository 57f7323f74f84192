/**
 * One record per person: external ids that carry the source account, the workspace's matching and
 * erasure settings, re-keying of old-format ids, and what a pull may store (never an erased person,
 * never a merged-away id; merges reported by the source are applied first).
 */
import { z } from 'zod';

import { ConfigError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Contact, CrmErasurePolicy, EngagementEvent } from '../model.ts';
import type { Repos, Store, Workspace } from '../store/index.ts';

import type { RunContext } from './run-context.ts';

/** First handoff: link an existing CRM Lead or Contact with the same email instead of creating. */
export const MATCH_MODES = ['email', 'none'] as const;
/** What an erasure does in the CRM (see CrmErasurePolicy). */
export const CRM_ERASURE_POLICIES = [
  'delete_lead',
  'report_only',
] as const satisfies readonly CrmErasurePolicy[];

const settingsSchema = z
  .object({
    match: z.enum(MATCH_MODES).default('email'),
    crmErasure: z.enum(CRM_ERASURE_POLICIES).default('delete_lead'),
  })
  .strict();

export type IdentitySettings = { match: (typeof MATCH_MODES)[number]; crmErasure: CrmErasurePolicy };

/** `settings.identity` of a workspace, with defaults; a bad value names the field. */
export function identitySettings(workspace: Workspace): IdentitySettings {
  const parsed = settingsSchema.safeParse(workspace.settings.identity ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `workspace "${workspace.name}" settings.identity.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** `hubspot:<portalId>:<contactId>`, `mautic:<instance host>:<contactId>`. */
export function externalIdFor(sourceVendor: string, sourceAccount: string, contactId: string): string {
  return `${sourceVendor}:${sourceAccount}:${contactId}`;
}

/** The source account of a workspace: the portal id or instance host of its source connection. */
export async function sourceAccountOf(store: Store, workspace: Workspace): Promise<string> {
  if (!workspace.sourceConnectionId) {
    throw new ConfigError(`workspace "${workspace.name}" has no ${workspace.sourceVendor} connection yet`);
  }
  const c = await store.connections.require(workspace.sourceConnectionId);
  return c.accountId ?? c.id;
}

/**
 * Old-format links (`hubspot:<contactId>`) gain the source account, in the CRM first (in place, by
 * the record that carries the id: no new record, no lost link) and then in the store. A record the
 * CRM refused keeps its old id and is retried next run.
 */
export async function rekeyLegacyLinks(ctx: RunContext): Promise<number> {
  if (!ctx.crm?.rekey) return 0;
  const vendor = ctx.workspace.sourceVendor;
  const legacy = await ctx.store.links.withLegacyExternalIds(ctx.workspace.id, vendor);
  if (!legacy.length) return 0;
  const account = await sourceAccountOf(ctx.store, ctx.workspace);
  const changes = legacy.map((l) => ({
    from: l.externalId,
    to: externalIdFor(vendor, account, l.externalId.slice(vendor.length + 1)),
  }));
  const { ok, failed } = await ctx.crm.rekey(changes);
  const done = new Set(ok);
  await ctx.store.links.setExternalIds(
    ctx.workspace.id,
    changes.filter((c) => done.has(c.from)),
  );
  for (const f of failed) ctx.log.warn('external id not re-keyed', { code: f.code, record: f.id });
  ctx.log.info('external ids re-keyed with the source account', {
    rekeyed: done.size,
    failed: failed.length,
  });
  return done.size;
}

/** Applies merges the source reports, moving what the merged-away ids had to the survivor. */
export async function applyMerges(
  store: Repos,
  workspaceId: string,
  merges: { intoId: string; mergedIds: string[] }[],
  at: Date,
  log: Logger,
): Promise<number> {
  let moved = 0;
  for (const m of merges) {
    for (const outcome of await store.merges.merge(workspaceId, m.intoId, m.mergedIds, at)) {
      if (outcome.moved) moved++;
      if (outcome.droppedExternalId) {
        // Both had CRM records: the survivor's is kept; the other is for a person to merge in the CRM.
        log.warn('merged contacts both had CRM records; the survivor keeps its own', {
          kept: m.intoId,
          dropped: outcome.droppedExternalId,
        });
      }
    }
  }
  return moved;
}

function emailOf(c: Contact): string | null {
  const v = c.properties.email;
  return typeof v === 'string' && v.trim() ? v : null;
}

/**
 * What a pull may store of `contacts`: merges they report are applied, then erased people
 * (suppressed by id or email) and merged-away ids are left out.
 */
export async function admitContacts(
  store: Repos,
  workspaceId: string,
  contacts: Contact[],
  at: Date,
  log: Logger,
): Promise<Contact[]> {
  if (!contacts.length) return contacts;
  const merges = contacts.flatMap((c) =>
    c.mergedIds?.length ? [{ intoId: c.id, mergedIds: c.mergedIds }] : [],
  );
  if (merges.length) await applyMerges(store, workspaceId, merges, at, log);
  const suppressed = await store.suppressions.suppressedIds(
    workspaceId,
    contacts.map((c) => ({ id: c.id, email: emailOf(c) })),
  );
  const retired = await store.merges.retired(
    workspaceId,
    contacts.map((c) => c.id),
  );
  return contacts.filter((c) => !suppressed.has(c.id) && !retired.has(c.id));
}

/** Events of erased people are dropped; events of merged-away ids belong to the survivor. */
export async function admitEvents(
  store: Repos,
  workspaceId: string,
  events: EngagementEvent[],
): Promise<EngagementEvent[]> {
  if (!events.length) return events;
  const ids = [...new Set(events.map((e) => e.contactId))];
  const suppressed = await store.suppressions.suppressedIds(
    workspaceId,
    ids.map((id) => ({ id })),
  );
  const into = await store.merges.intoOf(workspaceId, ids);
  return events
    .filter((e) => !suppressed.has(e.contactId))
    .map((e) => (into.has(e.contactId) ? { ...e, contactId: into.get(e.contactId)! } : e));
}
