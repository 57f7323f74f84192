/** The dashboard's SLA section of a workspace: its SLAs and latest breaches (same report as the API). */
import type { Logger } from '../../log.ts';
import { workspaceModel } from '../../pipeline/engine.ts';
import { loadSlaReport, reassignText } from '../../sla/report.ts';
import type { Store, Workspace } from '../../store/index.ts';
import { esc } from './layout.ts';

const SHOWN = 10;

export async function renderSlaSection(store: Store, ws: Workspace, log: Logger): Promise<string> {
  try {
    const report = await loadSlaReport(store, ws, await workspaceModel(ws), SHOWN);
    if (report.stages.length === 0) return '';
    const slas = report.stages
      .map((s) => `${esc(s.label)} ${esc(s.within)}${s.businessHours ? ' business' : ''}`)
      .join(', ');
    const rows = report.breaches
      .map(
        (b) =>
          `<tr><td>${esc(b.contactId)}</td><td>${esc(b.stageLabel)}</td><td>${esc(b.enteredAt)}</td><td class="bad">${esc(b.dueAt)}</td><td>${b.open ? 'still there' : 'left late'}</td><td>${esc(b.notify)}</td><td>${esc(reassignText(b))}</td></tr>`,
      )
      .join('');
    return `<h3>SLAs</h3>
<p class="muted">${slas} (hours in ${esc(report.timeZone)})</p>
${
  rows
    ? `<table class="sla"><tr><th>contact</th><th>stage</th><th>entered</th><th>due</th><th>now</th><th>webhook</th><th>owner</th></tr>${rows}</table>`
    : '<p class="muted">no breaches</p>'
}`;
  } catch (err) {
    log.warn('SLA section unavailable', {
      workspace: ws.name,
      error: err instanceof Error ? err.message : String(err),
    });
    return '';
  }
}
