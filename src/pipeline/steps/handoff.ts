/**
 * Handoff: contacts at or past the model's handoff stage go to the CRM, upserted by an external id
 * built from the source system, its account and the contact id, so a repeat never creates a second
 * record and two accounts never share one. A first handoff may match an existing CRM record on email
 * (workspace setting). A link that was converted in the CRM sends its updates to the converted contact.
 */
import { RecordRejectedError } from '../../errors.ts';
import type { HandoffRecord, HandoffResult, SourceVendor } from '../../model.ts';
import type { PendingHandoff } from '../../store/index.ts';
import { handoffStages } from '../contact-inputs.ts';
import { handoffSettings } from '../handoff-settings.ts';
import { externalIdFor, identitySettings, sourceAccountOf } from '../identity.ts';
import { ownerChooser } from '../owners.ts';
import type { HandoffOptions } from '../ports.ts';
import { pendingPages } from './pending-pages.ts';
import {
  recordFailures,
  type RunContext,
  type SendScope,
  type Sent,
  type StepCount,
} from '../run-context.ts';
import { writeWhy } from './why.ts';

export function toHandoffRecord(
  source: { vendor: string; account: string; matchOnEmail: boolean },
  p: PendingHandoff,
): HandoffRecord {
  return {
    // The workspace's source vendor is validated on creation; the CRM only stores it as text.
    sourceSystem: source.vendor as SourceVendor,
    sourceContactId: p.contactId,
    externalId: p.link?.externalId ?? externalIdFor(source.vendor, source.account, p.contactId),
    properties: p.properties,
    stage: p.stage,
    scores: p.scores,
    summary: p.summary,
    ...(p.link?.convertedContactId ? { convertedContactId: p.link.convertedContactId } : {}),
    ...(!p.link && source.matchOnEmail ? { matchOnEmail: true } : {}),
    ...(!p.link ? { firstHandoff: true } : {}),
    // Namespaced like the contact's: two sources on one CRM never share an account record.
    ...(p.account
      ? { account: { ...p.account, externalId: externalIdFor(source.vendor, source.account, p.account.id) } }
      : {}),
  };
}

async function send(
  ctx: RunContext,
  records: HandoffRecord[],
  options: HandoffOptions,
): Promise<HandoffResult> {
  try {
    return await ctx.crm!.handoff(records, options);
  } catch (err) {
    if (err instanceof RecordRejectedError) {
      return {
        ok: [],
        failed: [{ id: err.recordId, code: err.code, message: err.message, retryable: false }],
      };
    }
    throw err;
  }
}

/** `progress`: as for `writeBack`, a count shared by the calls of one run. */
export async function handOff(ctx: RunContext, scope: SendScope = {}, progress?: StepCount): Promise<Sent> {
  const stages = handoffStages(ctx.model);
  if (!ctx.crm || stages.length === 0) return { sent: 0, held: [] };
  const ws = ctx.workspace.id;
  const source = {
    vendor: ctx.workspace.sourceVendor,
    account: await sourceAccountOf(ctx.store, ctx.workspace),
    matchOnEmail: identitySettings(ctx.workspace).match === 'email',
  };
  const settings = handoffSettings(ctx.workspace);
  const chooseOwners = ownerChooser(ctx.store, ws, settings.owner);
  const options: HandoffOptions = chooseOwners ? { chooseOwners } : {};
  const accounts = (ctx.crm.filesUnderAccounts ?? false) && ctx.model.accountDimensions.length > 0;
  const limit = ctx.crm.handoffBatchSize ?? ctx.tuning.handoffBatchSize;
  const held: string[] = [];
  let handed = 0;
  const report = () => ctx.progress({ step: 'handoff', done: (progress?.done ?? 0) + handed });
  if (!progress) await report();
  const pages = pendingPages(ctx, 'handoff', { scope, limit, held }, (page) =>
    ctx.store.links.pendingHandoffs(ws, stages, { ...page, skipQuarantinedStep: 'handoff', accounts }),
  );
  for await (const batch of pages) {
    const records = batch.map((p) => ({
      pending: p,
      record: toHandoffRecord(source, p),
    }));
    ctx.tally.firstHandoffs += records.filter((r) => r.record.firstHandoff).length;
    ctx.tally.handedAccounts += new Set(
      records
        .map((r) => r.record)
        .filter((r) => r.account && !r.convertedContactId && !r.matchOnEmail)
        .map((r) => r.account!.externalId.toLowerCase()),
    ).size;
    const result = await send(
      ctx,
      records.map((r) => r.record),
      options,
    );
    // Connectors name records by external id; accept the source contact id too.
    const find = (id: string) =>
      records.find((r) => r.record.externalId === id || r.pending.contactId === id);
    const ok = result.ok.flatMap((o) => {
      const r = find(o.externalId);
      return r ? [{ ...o, r }] : [];
    });
    const okContacts = new Set(ok.map((o) => o.r.pending.contactId));
    const failed = new Set<string>();
    const failures = result.failed.flatMap((f) => {
      const r = find(f.id);
      if (!r) return [];
      failed.add(r.pending.contactId);
      return [{ recordId: r.pending.contactId, code: f.code, message: f.message }];
    });
    for (const r of records) {
      if (!okContacts.has(r.pending.contactId) && !failed.has(r.pending.contactId)) {
        failures.push({
          recordId: r.pending.contactId,
          code: 'no_outcome',
          message: 'the connector reported no outcome',
        });
      }
    }
    await ctx.store.transaction(async (tx) => {
      await tx.links.recordHandoffs(
        ws,
        ok.map((o) => ({
          contactId: o.r.pending.contactId,
          externalId: o.r.record.externalId,
          crmId: o.crmId,
          stage: o.r.pending.stage,
          scores: o.r.pending.scores,
          followContactId: o.contactId,
          ownerId: o.ownerId,
          accountScores: o.r.pending.account?.scores,
        })),
        ctx.at,
      );
      await tx.recordErrors.clear(ws, 'handoff', [...okContacts]);
    });
    await recordFailures(ctx, 'handoff', failures);
    await writeWhy(
      ctx,
      settings.why,
      ok.map((o) => ({
        pending: o.r.pending,
        externalId: o.r.record.externalId,
        // A converted or matched record is followed on its Contact; the explanation goes there too.
        recordId: o.contactId ?? o.r.record.convertedContactId ?? o.crmId,
      })),
    );
    handed += ok.length;
    ctx.tally.handedOff += ok.length;
    ctx.tally.crmCreated += ok.filter((o) => o.created).length;
    await report();
  }
  if (progress) progress.done += handed;
  return { sent: handed, held };
}
