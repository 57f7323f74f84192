/**
 * The doctor: checks a workspace's model against its mappings and its connected vendors, and says
 * what is wrong and how to fix it. Behind `leadstage workspace check`, `GET /api/workspaces/:id/check`
 * and the web console's mappings page. It only reads: the source is asked for its field list, the
 * CRM for what its schema lacks (Salesforce's `ensureSchema` checks and never creates).
 */
import { loadEngine } from '../pipeline/engine.ts';
import { openRoleConnector, type ConnectorDeps } from '../pipeline/connectors.ts';
import type { SchemaSpec } from '../pipeline/ports.ts';
import type { ReadSite } from '../qualification/index.ts';
import type { Workspace } from '../store/index.ts';
import { ApiCallTally } from '../pipeline/api-calls.ts';

import {
  effectiveMapping,
  workspaceVendors,
  type MappingRole,
  type WorkspaceMapping,
} from './workspace-mappings.ts';

/** `blocking`: syncs fail or a stage cannot be reached; `warning`: works, likely not as meant. */
export type Severity = 'blocking' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  /**
   * Stable: mapping_invalid, stage_fallback, stage_created, fact_unmapped, fact_field_missing,
   * event_unmapped, no_handoff_stage, not_connected, needs_reconnect, no_credentials,
   * connection_failed, crm_field_missing.
   */
  code: string;
  /** What it is about: `stage:KEY`, `fact:PROPERTY`, `event:TYPE`, `vendor:VENDOR`, `model`. */
  subject: string;
  vendor?: string;
  message: string;
  /** What to do, with the command where there is one. */
  fix: string;
}

/** How one model stage reaches one vendor. */
export interface StageRow {
  stage: string;
  label: string;
  vendor: string;
  /** The vendor value written; null when it is the vendor's first stage (known only to the vendor). */
  value: string | null;
  /** mapped: named by the mapping; fallback: a lower stage's value; created: a vendor stage named
   * after the label; passthrough: the key as it is. */
  how: 'mapped' | 'fallback' | 'created' | 'passthrough';
  /** For a fallback: the lower stage whose value it takes. */
  from?: string;
}

/** One property or event type the model reads and what supplies it. */
export interface FactRow {
  kind: 'property' | 'event';
  name: string;
  /** Where the model reads it (`stage:KEY`, `scoring:ID`, `recycle:ID`). */
  readBy: ReadSite[];
  /** `vendor:field` (e.g. `hubspot:bant_budget`, `salesforce:Opportunity.Amount`), or null. */
  suppliedBy: string | null;
}

export interface CheckReport {
  workspace: { id: string; name: string };
  checkedAt: string;
  /** No blocking finding. */
  ok: boolean;
  /** Whether the vendors were asked (connected and `live` not turned off). */
  live: { source: boolean; crm: boolean };
  findings: Finding[];
  stages: StageRow[];
  facts: FactRow[];
}

export interface CheckOptions {
  /** Ask the connected vendors (field list, CRM schema). Default true. */
  live?: boolean;
}

const SEVERITY_ORDER: Record<Severity, number> = { blocking: 0, warning: 1, info: 2 };

function editCommand(ws: Workspace, vendor: string): string {
  return (
    `leadstage mapping export --workspace ${ws.name} --vendor ${vendor} > ${vendor}.yaml, edit it, then ` +
    `leadstage mapping import --workspace ${ws.name} --vendor ${vendor} ${vendor}.yaml`
  );
}

function stageRows(
  model: { stages: readonly { key: string; label: string; index: number }[]; handoffStage: string | null },
  mapping: WorkspaceMapping,
): StageRow[] {
  const { outline, vendor } = mapping;
  // A CRM only ever sees the stages at and past the handoff.
  const handoffIndex = model.stages.find((s) => s.key === model.handoffStage)?.index ?? Infinity;
  const stages = mapping.role === 'crm' ? model.stages.filter((s) => s.index >= handoffIndex) : model.stages;
  const rows: StageRow[] = [];
  let lower: { key: string; value: string } | undefined;
  for (const s of stages) {
    const value = outline.stages[s.key];
    if (value !== undefined) {
      rows.push({ stage: s.key, label: s.label, vendor, value, how: 'mapped' });
      lower = { key: s.key, value };
    } else if (outline.unmappedStage === 'created_from_label') {
      rows.push({ stage: s.key, label: s.label, vendor, value: s.label, how: 'created' });
    } else if (outline.unmappedStage === 'passthrough') {
      rows.push({ stage: s.key, label: s.label, vendor, value: s.key, how: 'passthrough' });
    } else {
      rows.push({
        stage: s.key,
        label: s.label,
        vendor,
        value: lower?.value ?? null,
        how: 'fallback',
        ...(lower ? { from: lower.key } : {}),
      });
    }
  }
  return rows;
}

function stageFindings(ws: Workspace, rows: StageRow[]): Finding[] {
  const out: Finding[] = [];
  for (const r of rows) {
    if (r.how === 'fallback') {
      const as = r.from
        ? `"${r.value}", the value of the lower stage "${r.from}"`
        : `the ${r.vendor} account's first stage (no lower stage is mapped)`;
      out.push({
        severity: 'warning',
        code: 'stage_fallback',
        subject: `stage:${r.stage}`,
        vendor: r.vendor,
        message: `stage "${r.stage}" (${r.label}) has no ${r.vendor} value: it is written as ${as}; the exact stage goes to leadstage's own stage property`,
        fix: `if ${r.vendor} has a value for it, map it under stages: (${editCommand(ws, r.vendor)}); otherwise nothing to do`,
      });
    } else if (r.how === 'created') {
      out.push({
        severity: 'info',
        code: 'stage_created',
        subject: `stage:${r.stage}`,
        vendor: r.vendor,
        message: `stage "${r.stage}" is not in the ${r.vendor} mapping: a ${r.vendor} stage named "${r.label}" is used (created when missing)`,
        fix: `to use another ${r.vendor} stage, map it under stages: (${editCommand(ws, r.vendor)})`,
      });
    }
  }
  return out;
}

/** Which mapping supplies each property and event the model reads. */
function factRows(
  reads: { properties: Map<string, ReadSite[]>; events: Map<string, ReadSite[]> },
  mappings: WorkspaceMapping[],
): FactRow[] {
  const rows: FactRow[] = [];
  for (const [name, readBy] of reads.properties) {
    let suppliedBy: string | null = null;
    for (const m of mappings) {
      const fact = m.outline.facts.find((f) => f.property === name);
      if (fact) {
        suppliedBy = `${m.vendor}:${fact.field}`;
        break;
      }
    }
    rows.push({ kind: 'property', name, readBy, suppliedBy });
  }
  for (const [name, readBy] of reads.events) {
    const m = mappings.find((x) => x.outline.eventTypes.includes(name));
    rows.push({ kind: 'event', name, readBy, suppliedBy: m ? `${m.vendor}:${name}` : null });
  }
  return rows;
}

function gatedStages(readBy: ReadSite[]): string[] {
  return readBy.filter((s) => s.startsWith('stage:')).map((s) => s.slice('stage:'.length));
}

function factFindings(ws: Workspace, rows: FactRow[]): Finding[] {
  const out: Finding[] = [];
  for (const r of rows) {
    if (r.suppliedBy) continue;
    const stages = gatedStages(r.readBy);
    const what = r.kind === 'property' ? `property "${r.name}"` : `event type "${r.name}"`;
    const where = r.readBy.join(', ');
    out.push({
      severity: stages.length > 0 ? 'blocking' : 'warning',
      code: r.kind === 'property' ? 'fact_unmapped' : 'event_unmapped',
      subject: `${r.kind === 'property' ? 'fact' : 'event'}:${r.name}`,
      vendor: ws.sourceVendor,
      message:
        `the model reads ${what} (${where}) and no mapping supplies it` +
        (stages.length > 0 ? `: stage ${stages.map((s) => `"${s}"`).join(', ')} may never be reached` : ''),
      fix:
        r.kind === 'property'
          ? `map a ${ws.sourceVendor} field to "${r.name}" (${editCommand(ws, ws.sourceVendor)}), or change the model`
          : `map a ${ws.sourceVendor} activity to "${r.name}" (${editCommand(ws, ws.sourceVendor)}), or change the model`,
    });
  }
  return out;
}

/** Facts the model reads whose mapped vendor field the account does not have. */
function fieldFindings(
  ws: Workspace,
  mapping: WorkspaceMapping,
  rows: FactRow[],
  have: Set<string>,
): Finding[] {
  const out: Finding[] = [];
  for (const r of rows) {
    if (r.kind !== 'property' || !r.suppliedBy?.startsWith(`${mapping.vendor}:`)) continue;
    const field = r.suppliedBy.slice(mapping.vendor.length + 1);
    // Pseudo-fields (Mautic points, the do-not-contact list) are not contact fields.
    if (field === 'points' || field.includes(':') || have.has(field)) continue;
    const stages = gatedStages(r.readBy);
    out.push({
      severity: stages.length > 0 ? 'blocking' : 'warning',
      code: 'fact_field_missing',
      subject: `fact:${r.name}`,
      vendor: mapping.vendor,
      message:
        `"${r.name}" is read from ${mapping.vendor} field "${field}", which the ${mapping.vendor} account does not have` +
        (stages.length > 0 ? `: stage ${stages.map((s) => `"${s}"`).join(', ')} may never be reached` : ''),
      fix: `create the field "${field}" in ${mapping.vendor}, or map "${r.name}" to a field it has (${editCommand(ws, mapping.vendor)})`,
    });
  }
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function checkWorkspace(
  deps: ConnectorDeps | Omit<ConnectorDeps, 'calls'>,
  ws: Workspace,
  options: CheckOptions = {},
  now: Date = new Date(),
): Promise<CheckReport> {
  const live = options.live ?? true;
  const connectorDeps: ConnectorDeps = { calls: new ApiCallTally(), ...deps };
  const engine = await loadEngine();
  const file = engine.parseModelText(ws.model.text, ws.model.ref);
  const model = engine.compileModel(file);
  const findings: Finding[] = [];

  const mappings: WorkspaceMapping[] = [];
  for (const { vendor } of workspaceVendors(ws)) {
    try {
      mappings.push(effectiveMapping(deps, ws, vendor));
    } catch (err) {
      findings.push({
        severity: 'blocking',
        code: 'mapping_invalid',
        subject: `vendor:${vendor}`,
        vendor,
        message: `the workspace's ${vendor} mapping is invalid: ${errorText(err)}`,
        fix: `correct it (${editCommand(ws, vendor)}), or go back to the default with leadstage mapping reset --workspace ${ws.name} --vendor ${vendor}`,
      });
    }
  }

  const stages = mappings.flatMap((m) => stageRows(model, m));
  findings.push(...stageFindings(ws, stages));
  const facts = factRows(engine.modelReads(file), mappings);
  findings.push(...factFindings(ws, facts));

  if (!model.handoffStage && ws.crmVendor) {
    findings.push({
      severity: 'blocking',
      code: 'no_handoff_stage',
      subject: 'model',
      message: `no stage of the model has handoff: true, so nobody is ever handed to ${ws.crmVendor}`,
      fix: `mark the stage sales takes over with handoff: true, then leadstage workspace set-model ${ws.name} FILE`,
    });
  }

  const liveDone = { source: false, crm: false };
  for (const { vendor, role } of workspaceVendors(ws)) {
    const connected = await connectionFindings(connectorDeps, ws, vendor, role, findings);
    if (!connected || !live) continue;
    const mapping = mappings.find((m) => m.vendor === vendor);
    try {
      const connector = await openRoleConnector(connectorDeps, ws, role);
      if (!connector) continue;
      if ('fieldNames' in connector && connector.fieldNames) {
        const have = new Set(await connector.fieldNames());
        if (mapping) findings.push(...fieldFindings(ws, mapping, facts, have));
      } else if ('handoff' in connector) {
        const spec: SchemaSpec = {
          stages: model.stages.map((s) => ({ key: s.key, label: s.label })),
          dimensions: [...model.dimensions],
          ...(model.accountDimensions.length
            ? { accountDimensions: model.accountDimensions.map((d) => d.key) }
            : {}),
        };
        for (const missing of await connector.ensureSchema(spec)) {
          findings.push({
            severity: 'blocking',
            code: 'crm_field_missing',
            subject: `vendor:${vendor}`,
            vendor,
            message: missing,
            fix: `create it in ${vendor} (Setup → Object Manager), or map another field (${editCommand(ws, vendor)})`,
          });
        }
      }
      liveDone[role] = true;
    } catch (err) {
      findings.push({
        severity: 'blocking',
        code: 'connection_failed',
        subject: `vendor:${vendor}`,
        vendor,
        message: `asking ${vendor} failed: ${errorText(err)}`,
        fix: `check the connection, or reconnect: leadstage connect ${vendor} --workspace ${ws.name}`,
      });
    }
  }

  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return {
    workspace: { id: ws.id, name: ws.name },
    checkedAt: now.toISOString(),
    ok: !findings.some((f) => f.severity === 'blocking'),
    live: liveDone,
    findings,
    stages,
    facts,
  };
}

/** Adds findings about the role's connection; true when it is usable. */
async function connectionFindings(
  deps: ConnectorDeps,
  ws: Workspace,
  vendor: string,
  role: MappingRole,
  findings: Finding[],
): Promise<boolean> {
  const id = role === 'source' ? ws.sourceConnectionId : ws.crmConnectionId;
  const reconnect = `leadstage connect ${vendor} --workspace ${ws.name}`;
  const connection = id ? await deps.store.connections.get(id) : null;
  if (!connection) {
    findings.push({
      severity: role === 'source' ? 'blocking' : 'warning',
      code: 'not_connected',
      subject: `vendor:${vendor}`,
      vendor,
      message:
        role === 'source'
          ? `${vendor} is not connected: nothing can be synced`
          : `${vendor} is not connected: handoff and sales outcomes are skipped`,
      fix: reconnect,
    });
    return false;
  }
  if (!connection.hasCredentials) {
    findings.push({
      severity: 'blocking',
      code: 'no_credentials',
      subject: `vendor:${vendor}`,
      vendor,
      message: `the ${vendor} connection has no stored token or password`,
      fix: reconnect,
    });
    return false;
  }
  if (connection.status === 'needs_reconnect') {
    findings.push({
      severity: 'blocking',
      code: 'needs_reconnect',
      subject: `vendor:${vendor}`,
      vendor,
      message: `the ${vendor} connection needs to be reconnected${connection.statusMessage ? `: ${connection.statusMessage}` : ''}`,
      fix: reconnect,
    });
    return false;
  }
  return true;
}

/**
 * The doctor on a model before it is saved: the workspace's mappings and connections checked
 * against `model` instead of the one in use, offline (the vendors are not asked).
 */
export function checkCandidateModel(
  deps: ConnectorDeps | Omit<ConnectorDeps, 'calls'>,
  ws: Workspace,
  model: Workspace['model'],
): Promise<CheckReport> {
  return checkWorkspace(deps, { ...ws, model }, { live: false });
}
