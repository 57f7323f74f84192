/** Options and results of the pipeline's entry points. */
import type { ConnectorRegistry } from './registry.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';
import type { Logger } from '../log.ts';
import type { CompiledModel } from '../model.ts';
import type { SlaWebhook } from '../sla/webhook.ts';
import type { Store } from '../store/index.ts';

export type StepName =
  'pull_contacts' | 'pull_engagement' | 'qualify' | 'write_back' | 'handoff' | 'sales_outcomes';

/** Same shape as the worker's job progress (`jobs/worker.ts`). */
export interface SyncProgress {
  step: StepName;
  done: number;
  total?: number;
}

/** Compiles a workspace's saved model text; defaults to the qualification engine's `compileModelText`. */
export type CompileModel = (text: string, file: string) => CompiledModel;

export interface PipelineTuning {
  /** How far cursors' timestamps are rewound before a pull, since vendor search indexes lag. @default 900000 (15 min) */
  overlapMs?: number;
  /** Contacts per source.writeBack call. @default 100 */
  writeBatchSize?: number;
  /** Records per crm.handoff call. @default 200 */
  handoffBatchSize?: number;
  /** Contacts qualified per store round trip. @default 500 */
  qualifyBatchSize?: number;
  /** Contacts per page of the account roll-up (its memory bound). @default 1000 */
  accountPageSize?: number;
  /** Accounts recomputed per members query of the account roll-up. @default 500 */
  accountsPerQuery?: number;
  /**
   * source.writeBack calls in flight at once (different contacts each): a second one keeps the
   * source's rate budget used while the first one's answer is stored. @default 2
   */
  writeConcurrency?: number;
  /** A record that failed this many times is quarantined (skipped until released). @default 5 */
  quarantineAfter?: number;
  /**
   * Score points a decaying score may drift from the one last decided (and written back) before the
   * contact is re-qualified on time alone. @default 1
   */
  scoreTolerance?: number;
}

export interface PipelineOptions extends PipelineTuning {
  store: Store;
  registry: ConnectorRegistry;
  /** @default a fresh in-memory limiter */
  limiter?: RateLimiter;
  log: Logger;
  /** Injected clock. @default () => new Date() */
  now?: () => Date;
  compileModel?: CompileModel;
  /**
   * Where SLA breaches are sent. @default the workspace's `settings.sla.webhookUrl`, else
   * LEADSTAGE_SLA_WEBHOOK_URL; null sends nothing
   */
  slaWebhook?: SlaWebhook | null;
}

export interface RunSyncOptions extends PipelineOptions {
  /** Workspace id or name. */
  workspace: string;
  /** Compute everything, write nothing (not even the store), return a preview. */
  dryRun?: boolean;
  /** Pull everything from the beginning and re-qualify every contact. */
  full?: boolean;
  onProgress?: (progress: SyncProgress) => void | Promise<void>;
  /**
   * Called after each step completes (and once before the first, with `start`). Tests throw here to
   * simulate a crash between two steps.
   */
  checkpoint?: (after: StepName | 'start') => void | Promise<void>;
}

export interface RecordErrorSummary {
  step: string;
  recordId: string;
  code: string;
  message: string;
  retryCount: number;
  quarantined: boolean;
}

export interface StageMove {
  from: string | null;
  to: string;
  count: number;
}

/** What a run (or a model change) would change, without changing anything. */
export interface SyncPreview {
  /** Contacts qualified for the preview. */
  evaluated: number;
  /** Contacts whose stage would change, grouped by from → to. */
  moves: StageMove[];
  /** Contacts that would enter each stage. */
  entering: Record<string, number>;
  /** Contacts that would leave each stage. */
  leaving: Record<string, number>;
  /**
   * Contacts kept at a stage only because stages never move backwards on their own (reason `held`):
   * they no longer meet its requirements.
   */
  held: Record<string, number>;
  wouldWriteBack: number;
  /**
   * Contacts at or past the handoff stage the handoff would send to the CRM: those with no CRM
   * record yet, and those handed off before whose stage or scores changed (their record is updated).
   */
  wouldHandOff: number;
  /** Of `wouldHandOff`, those with no CRM record yet. */
  wouldHandOffNew: number;
  samples: {
    contactId: string;
    from: string | null;
    to: string;
    summary: string;
    /** The engine's full explanation, as the contact page shows it (model previews only). */
    explanation?: string;
  }[];
}

export interface SyncSummary {
  /** Null for a dry run (nothing is recorded). */
  runId: string | null;
  workspace: { id: string; name: string };
  kind: 'sync' | 'requalify';
  dryRun: boolean;
  full: boolean;
  /** The model was re-applied to every contact (model version changed or `full`). */
  requalifiedAll: boolean;
  modelVersion: string;
  pulled: { contacts: number; events: number; newEvents: number; salesOutcomes: number };
  qualified: number;
  /** Of those, contacts re-qualified because their decision was due (decay, windows, inactivity). */
  due: number;
  /** Contacts that entered each stage in this run. */
  stageChanges: Record<string, number>;
  writtenBack: number;
  handedOff: number;
  /** CRM records created (the rest of the handoffs updated existing records). */
  crmCreated: number;
  /** Stays found past their stage's SLA in this run, and breaches sent to the SLA webhook. */
  slaBreaches: number;
  slaNotified: number;
  /** Breached CRM records given a new owner (`settings.handoff.reassign`). */
  slaReassigned: number;
  /** Per-record failures in this run. */
  errors: RecordErrorSummary[];
  /** Optional streams that failed after retries and were skipped (their cursors did not move). */
  warnings: string[];
  apiCalls: Record<string, number>;
  /**
   * The same per vendor and stream (vendor → stream → calls), streams named as in
   * `minimumApiCallsByStream`; calls of no stream (tokens…) under `other`. Sums to `apiCalls`.
   */
  apiCallsByStream: Record<string, Record<string, number>>;
  /** What each vendor last reported left of its daily API allowance (HubSpot private apps, Salesforce). */
  apiBudget: Record<string, { remaining: number; limit: number }>;
  /** The fewest calls the work allowed, per vendor whose connector computes it (a true lower bound). */
  minimumApiCalls: Record<string, number>;
  /** The same per vendor and stream, `"<vendor> <stream>"`: what each vendor's minimum is made of. */
  minimumApiCallsByStream: Record<string, number>;
  durationMs: number;
  preview?: SyncPreview;
}
