/**
 * `leadstage sync --workspace NAME [--dry-run] [--full]`: one run in-process, a progress bar per step
 * on a terminal (plain log lines otherwise), ending with the summary.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Command } from 'commander';

import { registerBuiltinConnectors } from '../../connectors/builtin.ts';
import { streamCalls } from '../pipeline/api-calls.ts';
import { defaultRegistry } from '../pipeline/registry.ts';
import { parseEnv } from '../config/env.ts';
import { pointAtSandbox, readSandboxAddresses } from '../demo/point-at-sandbox.ts';
import { MemoryRateLimiter } from '../http/rate-limiter.ts';
import { createLogger } from '../log.ts';
import {
  runSync,
  type StepName,
  type SyncPreview,
  type SyncProgress,
  type SyncSummary,
} from '../pipeline/index.ts';
import { openStoreFromEnv } from '../store/index.ts';

const STEP_LABELS: Record<StepName, string> = {
  pull_contacts: 'pull contacts',
  pull_engagement: 'pull engagement',
  qualify: 'qualify',
  write_back: 'write back',
  handoff: 'hand off',
  sales_outcomes: 'sales outcomes',
};

export interface ProgressReporter {
  update(p: SyncProgress): void;
  stop(): void;
}

/**
 * One bar per step on a TTY, each updated in place: steps run at once (the two pulls; qualify,
 * write-back and handoff), so a bar cannot wait for the one before it to finish. Otherwise (a file
 * or pipe) one plain line per step when the run ends, and while it runs a line of every step's count
 * each `everyMs`.
 */
export function progressReporter(
  stream: NodeJS.WriteStream = process.stderr,
  everyMs = 30_000,
): ProgressReporter {
  const counts = new Map<StepName, number>();
  const line = (steps: [StepName, number][]) =>
    `${new Date().toISOString()} ${steps.map(([step, done]) => `${STEP_LABELS[step]}: ${done}`).join(', ')}\n`;
  if (!stream.isTTY) {
    let lastLine = Date.now();
    return {
      update(p) {
        counts.set(p.step, p.done);
        if (Date.now() - lastLine < everyMs) return;
        lastLine = Date.now();
        stream.write(line([...counts]));
      },
      stop() {
        for (const entry of counts) stream.write(line([entry]));
        counts.clear();
      },
    };
  }
  let bars: MultiBar | null = null;
  const byStep = new Map<StepName, SingleBar>();
  return {
    update(p) {
      bars ??= new MultiBar(
        {
          stream,
          format: '{step} {bar} {value}/{total}',
          hideCursor: true,
          clearOnComplete: false,
        },
        Presets.shades_classic,
      );
      let bar = byStep.get(p.step);
      if (!bar) {
        bar = bars.create(Math.max(p.total ?? p.done, 1), p.done, { step: STEP_LABELS[p.step].padEnd(16) });
        byStep.set(p.step, bar);
      }
      // Pulls and the pipelined steps do not know their total up front: the bar's end follows the count.
      bar.setTotal(Math.max(p.total ?? p.done, 1));
      bar.update(p.done);
    },
    stop() {
      bars?.stop();
      bars = null;
      byStep.clear();
    },
  };
}

const entries = (r: Record<string, number>) =>
  Object.entries(r)
    .sort(([, a], [, b]) => b - a)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

export function formatPreview(preview: SyncPreview): string[] {
  const lines = [`  evaluated        ${preview.evaluated} contacts`];
  if (preview.moves.length === 0) lines.push('  stage changes    none');
  for (const m of preview.moves) {
    lines.push(`  ${String(m.count).padStart(6)} contacts ${m.from ?? '(new)'} → ${m.to}`);
  }
  for (const [stage, n] of Object.entries(preview.leaving)) {
    lines.push(`  ${String(n).padStart(6)} contacts leave ${stage}`);
  }
  for (const [stage, n] of Object.entries(preview.held)) {
    lines.push(
      `  ${String(n).padStart(6)} contacts no longer meet ${stage} but stay (stages never move back on their own)`,
    );
  }
  const updates = preview.wouldHandOff - preview.wouldHandOffNew;
  lines.push(
    `  would write back ${preview.wouldWriteBack}`,
    `  would hand off   ${preview.wouldHandOff}` +
      (preview.wouldHandOff === 0
        ? ''
        : ` (${preview.wouldHandOffNew} new to the CRM, ${updates} already there with a changed stage or scores)`),
  );
  if (preview.samples.length) lines.push('  examples:');
  for (const s of preview.samples.slice(0, 5)) {
    lines.push(`    ${s.contactId}: ${s.from ?? '(new)'} → ${s.to} — ${s.summary}`);
  }
  return lines;
}

/**
 * Calls made per vendor, beside the fewest the vendor's page and batch sizes allowed, then per
 * stream as made/minimum (streams with neither left out; `other` has no minimum), and what the
 * vendor says is left of its daily allowance.
 */
function apiCallsLines(s: SyncSummary): string[] {
  const vendors = Object.entries(s.apiCalls).sort(([, a], [, b]) => b - a);
  if (vendors.length === 0) return ['none'];
  const count = (n: number) => n.toLocaleString('en-US');
  return vendors.map(([vendor, n]) => {
    const min = s.minimumApiCalls[vendor];
    const budget = s.apiBudget[vendor];
    const streams = streamCalls(s.apiCallsByStream, s.minimumApiCallsByStream, vendor)
      .filter((c) => c.made > 0 || (c.minimum ?? 0) > 0)
      .map((c) => `${c.stream} ${c.made}${c.minimum === undefined ? '' : `/${c.minimum}`}`);
    const head = `${vendor} ${n} calls${min === undefined ? '' : ` (minimum ${min})`}`;
    const tail = [
      streams.join(', '),
      ...(budget ? [`${count(budget.remaining)} of ${count(budget.limit)} left today`] : []),
    ]
      .filter(Boolean)
      .join('; ');
    return tail ? `${head}: ${tail}` : head;
  });
}

export function formatSummary(s: SyncSummary): string {
  const lines = [
    `${s.dryRun ? 'dry run' : 'sync'} of ${s.workspace.name}${s.full ? ' (full)' : ''} in ${(s.durationMs / 1000).toFixed(1)} s` +
      (s.requalifiedAll ? ` — every contact re-qualified with model ${s.modelVersion}` : ''),
    `  pulled           ${s.pulled.contacts} contacts, ${s.pulled.events} events (${s.pulled.newEvents} new), ${s.pulled.salesOutcomes} sales outcomes`,
    `  qualified        ${s.qualified}${s.due ? ` (${s.due} due on time alone: decay, windows, inactivity)` : ''}`,
    // A dry run's preview lists the moves itself.
    ...(s.preview ? [] : [`  stage changes    ${entries(s.stageChanges)}`]),
  ];
  if (s.preview) {
    lines.push(...formatPreview(s.preview).filter((l) => !l.startsWith('  evaluated')));
  } else {
    lines.push(
      `  written back     ${s.writtenBack}`,
      `  handed off       ${s.handedOff} (${s.crmCreated} new CRM records)`,
    );
  }
  const quarantined = s.errors.filter((e) => e.quarantined).length;
  lines.push(`  errors           ${s.errors.length}${quarantined ? ` (${quarantined} quarantined)` : ''}`);
  for (const e of s.errors.slice(0, 10)) {
    lines.push(
      `    ${e.step} ${e.recordId}: ${e.code} ${e.message} (try ${e.retryCount}${e.quarantined ? ', quarantined' : ''})`,
    );
  }
  for (const w of s.warnings) lines.push(`  warning          ${w}`);
  // One line per vendor: each lists its streams.
  lines.push(...apiCallsLines(s).map((l, i) => `  ${i === 0 ? 'API calls' : ''}`.padEnd(19) + l));
  return lines.join('\n') + '\n';
}

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('Run one sync of a workspace in this process (no Redis needed)')
    .requiredOption('-w, --workspace <name>', 'workspace name or id')
    .option('--dry-run', 'compute everything, write nothing, and show what would change')
    .option('--full', 'pull everything from the beginning and re-qualify every contact')
    .option(
      '--sandbox <url>',
      'first point the workspace the demo made at the sandboxes `leadstage sandbox` serves at URL (saved)',
    )
    .action(async (opts: { workspace: string; dryRun?: boolean; full?: boolean; sandbox?: string }) => {
      const env = parseEnv();
      const store = await openStoreFromEnv(env);
      const progress = progressReporter();
      try {
        if (opts.sandbox !== undefined) {
          const ws = await store.workspaces.require(opts.workspace);
          const addresses = await readSandboxAddresses(opts.sandbox);
          for (const moved of await pointAtSandbox(store, ws, addresses)) {
            process.stdout.write(`now using the sandbox: ${moved}\n`);
          }
        }
        const summary = await runSync({
          store,
          registry: await registerBuiltinConnectors(defaultRegistry),
          limiter: new MemoryRateLimiter(),
          // On a terminal the bars say what info lines would; warnings still show.
          log: createLogger(
            process.stderr.isTTY && env.LEADSTAGE_LOG_LEVEL === 'info' ? 'warn' : env.LEADSTAGE_LOG_LEVEL,
          ),
          workspace: opts.workspace,
          dryRun: opts.dryRun ?? false,
          full: opts.full ?? false,
          onProgress: (p) => progress.update(p),
        });
        progress.stop();
        process.stdout.write(formatSummary(summary));
      } finally {
        progress.stop();
        await store.close();
      }
    });
}
