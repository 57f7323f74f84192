/** What the steps of one run share: the workspace, its model and connectors, tuning and tallies. */
import type { CrmConnector, SourceConnector } from './ports.ts';
import type { Logger } from '../log.ts';
import type { CompiledModel, Decision } from '../model.ts';
import type { SlaWebhook } from '../sla/webhook.ts';
import type { RecordErrorEntry, Store, StoredDecision, Workspace } from '../store/index.ts';

import type { ApiCallTally } from './api-calls.ts';
import type { PipelineTuning, RecordErrorSummary, StepName, SyncProgress } from './types.ts';

export const DEFAULT_TUNING: Required<PipelineTuning> = {
  overlapMs: 15 * 60_000,
  writeBatchSize: 100,
  handoffBatchSize: 200,
  qualifyBatchSize: 500,
  accountPageSize: 1000,
  accountsPerQuery: 500,
  writeConcurrency: 2,
  quarantineAfter: 5,
  scoreTolerance: 1,
};

export interface RunTally {
  pulled: { contacts: number; events: number; newEvents: number; salesOutcomes: number };
  qualified: number;
  /** Contacts re-qualified because time alone could have changed their outcome. */
  due: number;
  stageChanges: Record<string, number>;
  writtenBack: number;
  recycledWrites: number;
  eventsByType: Record<string, number>;
  handedOff: number;
  /** Records sent on their first handoff (the CRM looks each up before choosing an owner). */
  firstHandoffs: number;
  /** Per handoff call, the distinct accounts of the records it files (summed over calls). */
  handedAccounts: number;
  crmCreated: number;
  /** Stays found past their SLA this run, and breaches sent to the webhook. */
  slaBreaches: number;
  slaNotified: number;
  /** Breached records given a new owner by the workspace's reassignment rule. */
  slaReassigned: number;
  unmatchedOutcomes: number;
  errors: RecordErrorSummary[];
  /** Optional streams skipped after failing: the run went on without them. */
  warnings: string[];
  /** `step:recordId` of records that failed in this run: not retried again before the next run. */
  failedThisRun: Set<string>;
}

export function emptyTally(): RunTally {
  return {
    pulled: { contacts: 0, events: 0, newEvents: 0, salesOutcomes: 0 },
    qualified: 0,
    due: 0,
    stageChanges: {},
    writtenBack: 0,
    recycledWrites: 0,
    eventsByType: {},
    handedOff: 0,
    firstHandoffs: 0,
    handedAccounts: 0,
    crmCreated: 0,
    slaBreaches: 0,
    slaNotified: 0,
    slaReassigned: 0,
    unmatchedOutcomes: 0,
    errors: [],
    warnings: [],
    failedThisRun: new Set(),
  };
}

/** Watches a run's decisions (a dry run builds its preview from them). */
export interface RunObserver {
  /** A decision the qualify step stored, with the one it replaced. */
  decided(decision: Decision, before: StoredDecision | undefined): void;
}

export interface RunContext {
  /** The step under way, named in the errors that end a run. */
  step: StepName | 'start';
  store: Store;
  workspace: Workspace;
  model: CompiledModel;
  source: SourceConnector;
  crm: CrmConnector | null;
  log: Logger;
  /** The run's decision time. */
  at: Date;
  clock: () => Date;
  tuning: Required<PipelineTuning>;
  tally: RunTally;
  calls: ApiCallTally;
  /** Where SLA breaches are sent (null: recorded and shown only). */
  slaWebhook: SlaWebhook | null;
  progress(p: SyncProgress): Promise<void>;
  observer?: RunObserver;
}

/** Records a step has handled so far in this run, shared by its calls (progress counts on from it). */
export interface StepCount {
  done: number;
}

/** Which records a sending step (write-back, handoff) looks at. */
export interface SendScope {
  /** Only these contacts. */
  ids?: string[];
  /**
   * Send full vendor batches only, and answer the contacts of the last, partial one instead of
   * sending it: the pipelined steps add them to the next qualified batch, so a run makes the calls
   * its work needs however the qualification's batches cut it.
   */
  holdPartial?: boolean;
}

export interface Sent {
  sent: number;
  /** With `holdPartial`: the pending contacts not sent yet. */
  held: string[];
}

export function tuningOf(options: PipelineTuning): Required<PipelineTuning> {
  return {
    overlapMs: options.overlapMs ?? DEFAULT_TUNING.overlapMs,
    writeBatchSize: options.writeBatchSize ?? DEFAULT_TUNING.writeBatchSize,
    handoffBatchSize: options.handoffBatchSize ?? DEFAULT_TUNING.handoffBatchSize,
    qualifyBatchSize: options.qualifyBatchSize ?? DEFAULT_TUNING.qualifyBatchSize,
    accountPageSize: options.accountPageSize ?? DEFAULT_TUNING.accountPageSize,
    accountsPerQuery: options.accountsPerQuery ?? DEFAULT_TUNING.accountsPerQuery,
    writeConcurrency: options.writeConcurrency ?? DEFAULT_TUNING.writeConcurrency,
    quarantineAfter: options.quarantineAfter ?? DEFAULT_TUNING.quarantineAfter,
    scoreTolerance: options.scoreTolerance ?? DEFAULT_TUNING.scoreTolerance,
  };
}

/** Records per-record failures in the store and in the run's tally; never throws them on. */
export async function recordFailures(
  ctx: RunContext,
  step: StepName,
  failures: { recordId: string; code: string; message: string }[],
): Promise<void> {
  if (failures.length === 0) return;
  const entries: RecordErrorEntry[] = await ctx.store.recordErrors.recordFailures(
    ctx.workspace.id,
    step,
    failures,
    {
      quarantineAfter: ctx.tuning.quarantineAfter,
      at: ctx.at,
    },
  );
  for (const e of entries) {
    ctx.tally.failedThisRun.add(`${step}:${e.recordId}`);
    ctx.tally.errors.push({
      step,
      recordId: e.recordId,
      code: e.vendorCode,
      message: e.message,
      retryCount: e.retryCount,
      quarantined: e.quarantined,
    });
    ctx.log.warn('record failed', {
      step,
      record: e.recordId,
      code: e.vendorCode,
      tries: e.retryCount,
      quarantined: e.quarantined,
    });
  }
}

export function failedThisRun(ctx: RunContext, step: StepName, recordId: string): boolean {
  return ctx.tally.failedThisRun.has(`${step}:${recordId}`);
}

/**
 * Names the step in an error that ends a run (`leadstage: fetch failed` told an admin nothing).
 * The message is amended in place so the error keeps its class, code and retry rule.
 */
export function inStep(ctx: RunContext, err: unknown, step: string = ctx.step): unknown {
  if (err instanceof Error && !err.message.includes('(step ')) {
    err.message = `${err.message} (step ${step})`;
  }
  return err;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
