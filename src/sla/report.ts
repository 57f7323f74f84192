/**
 * What the dashboard, `leadstage sla` and `GET /api/workspaces/:id/sla` show: each stage's SLA and
 * the latest breaches, from the store. One implementation behind the three doors.
 */
import type { CompiledModel } from '../model.ts';
import type { SlaBreach, Store, Workspace } from '../store/index.ts';

export interface SlaReport {
  workspace: string;
  timeZone: string;
  stages: { key: string; label: string; within: string; businessHours: boolean; until: string[] }[];
  breaches: (Omit<SlaBreach, 'email'> & { stageLabel: string })[];
}

export async function loadSlaReport(
  store: Store,
  workspace: Workspace,
  model: CompiledModel,
  limit = 50,
): Promise<SlaReport> {
  const label = (key: string) => model.stages.find((s) => s.key === key)?.label ?? key;
  const breaches = await store.sla.recentBreaches(workspace.id, limit);
  return {
    workspace: workspace.name,
    timeZone: model.businessHours.timeZone,
    stages: model.stages.flatMap((s) =>
      s.sla
        ? [
            {
              key: s.key,
              label: s.label,
              within: s.sla.within,
              businessHours: s.sla.businessHours,
              until: s.sla.until,
            },
          ]
        : [],
    ),
    // Contact ids only: the report is shown to anyone signed in and printed in terminals.
    breaches: breaches.map(({ email: _email, ...b }) => ({ ...b, stageLabel: label(b.stage) })),
  };
}

/** The report as terminal lines. */
export function renderSlaText(report: SlaReport): string {
  const lines = [`SLAs of workspace ${report.workspace} (business hours in ${report.timeZone})`];
  if (report.stages.length === 0) lines.push('  the model sets no SLA (stages[].sla)');
  for (const s of report.stages) {
    const until = s.until.length ? `, or sales status ${s.until.join('/')}` : '';
    lines.push(
      `  ${s.label}: ${s.within}${s.businessHours ? ' of business hours' : ''} to leave the stage${until}`,
    );
  }
  lines.push(report.breaches.length ? `Breaches (latest ${report.breaches.length}):` : 'No breaches.');
  for (const b of report.breaches) {
    const where = b.open ? 'still there' : 'left late';
    const sent =
      b.notify === 'sent'
        ? 'sent'
        : b.notify === 'pending'
          ? `not sent yet (${b.notifyError ?? 'queued'})`
          : 'not sent';
    const reassign = reassignText(b);
    lines.push(
      `  contact ${b.contactId} ${b.stageLabel} entered ${b.enteredAt}, due ${b.dueAt}, ${where}; webhook ${sent}${reassign ? `; ${reassign}` : ''}`,
    );
  }
  return lines.join('\n');
}

type ReassignFields = Pick<
  SlaBreach,
  'reassign' | 'reassignAttempts' | 'reassignOwner' | 'reassignError' | 'reassignedAt'
>;

/**
 * Where a breach's reassignment stands, in words ('' when no rule applied to it), for the terminal
 * and the dashboard: a pending one names how often it failed and why, so an admin can tell a
 * passing outage from an owner the CRM will never accept.
 */
export function reassignText(b: ReassignFields): string {
  const to = b.reassignOwner ? ` to ${b.reassignOwner}` : '';
  const why = b.reassignError ? ` (${b.reassignError})` : '';
  const failures = (n: number) => `${n} failed attempt${n === 1 ? '' : 's'}`;
  switch (b.reassign) {
    case 'none':
      return '';
    case 'pending':
      return b.reassignAttempts === 0
        ? 'reassignment pending'
        : `reassignment${to} pending after ${failures(b.reassignAttempts)}${why}`;
    case 'done':
      return `reassigned${to}${b.reassignedAt ? ` ${b.reassignedAt}` : ''}`;
    case 'given_up':
      return `reassignment${to} given up after ${failures(b.reassignAttempts)}${why}`;
    case 'stopped':
      return 'reassignment stopped (the stay ended, the rule changed, or there is no CRM record)';
  }
}
