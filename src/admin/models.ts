/**
 * The admin's model tasks, shared by the console, the CLI (`leadstage rules check`, `leadstage
 * model …`) and the JSON API: check a model text with line and column for every problem, preview it
 * on a workspace's stored contacts, save it with a comment, list, diff and roll back versions.
 */
import { structuredPatch } from 'diff';

import { ValidationError } from '../errors.ts';
import { restoreMappingsOf, type RestoredMapping } from '../mappings/history.ts';
import type { CompiledModel } from '../model.ts';
import { loadEngine } from '../pipeline/engine.ts';
import { previewModelChange } from '../pipeline/preview.ts';
import { releaseOffers } from '../pipeline/quarantine.ts';
import type { SyncPreview } from '../pipeline/types.ts';
import type { ModelProblem } from '../qualification/index.ts';
import type { ModelVersion, Store, Workspace, WorkspaceModel } from '../store/index.ts';

/** What `rules check` says of a model text: valid or not, every problem and warning located. */
export interface ModelCheck {
  valid: boolean;
  problems: ModelProblem[];
  warnings: ModelProblem[];
  /** For a valid model: its name, content version, stages in order and handoff stage. */
  summary: { name: string; version: string; stages: string[]; handoffStage: string | null } | null;
}

/** The one check every door runs: compile `text`, collecting problems instead of throwing. */
export async function checkModelText(text: string, file = 'model.yaml'): Promise<ModelCheck> {
  const engine = await loadEngine();
  try {
    const { model, warnings } = engine.checkModel(text, file);
    return { valid: true, problems: [], warnings, summary: summaryOf(model) };
  } catch (err) {
    if (!(err instanceof engine.ModelError)) throw err;
    return { valid: false, problems: err.problems, warnings: [], summary: null };
  }
}

function summaryOf(model: CompiledModel): NonNullable<ModelCheck['summary']> {
  return {
    name: model.name,
    version: model.version,
    stages: model.stages.map((s) => s.key),
    handoffStage: model.handoffStage ?? null,
  };
}

/** Compiles `text` or throws ModelError (400 with every problem located, at the API). */
async function compileText(
  text: string,
  ref: string,
): Promise<{ model: CompiledModel; saved: WorkspaceModel }> {
  const engine = await loadEngine();
  const { model } = engine.checkModel(text, ref);
  return { model, saved: { text, ref, version: model.version } };
}

export interface PresetInfo {
  name: string;
  label: string;
  stages: string[];
}

/** The shipped presets, for the picker: name, model name and stages. */
export async function listPresetInfo(): Promise<PresetInfo[]> {
  const engine = await loadEngine();
  const out: PresetInfo[] = [];
  for (const name of await engine.listPresets()) {
    const { text } = await engine.loadModelSource(`preset:${name}`);
    const model = engine.compileModelText(text, `preset:${name}`);
    out.push({ name, label: model.name, stages: model.stages.map((s) => s.label) });
  }
  return out;
}

export async function presetText(name: string): Promise<string> {
  const engine = await loadEngine();
  return (await engine.loadModelSource(`preset:${name}`)).text;
}

/** What saving `text` would change on the workspace's stored contacts, from the real sync's plan. */
export async function previewModelText(
  store: Store,
  ws: Workspace,
  text: string,
  options: { signal?: AbortSignal; now?: () => Date } = {},
): Promise<{ unchanged: boolean; version: string; preview: SyncPreview }> {
  const { model } = await compileText(text, 'model.yaml');
  return {
    unchanged: model.version === ws.model.version,
    version: model.version,
    preview: await previewModelChange(store, ws, model, options),
  };
}

export interface SaveOutcome {
  saved: boolean;
  /** A rollback: each vendor mapping it brought back with the model (empty otherwise). */
  mappings?: RestoredMapping[];
  unchanged: boolean;
  model: { ref: string; version: string };
  /** Quarantined causes the new model may have fixed, each with the command that releases them. */
  quarantined: Awaited<ReturnType<typeof releaseOffers>>;
}

/** Saves `text` as the workspace's model with a comment; an identical model saves nothing. */
export async function saveModel(
  store: Store,
  ws: Workspace,
  input: { text: string; ref?: string; comment: string; actor: string },
): Promise<SaveOutcome> {
  const { saved } = await compileText(input.text, input.ref ?? 'model.yaml');
  if (saved.version === ws.model.version) {
    return {
      saved: false,
      unchanged: true,
      model: { ref: ws.model.ref, version: saved.version },
      quarantined: [],
    };
  }
  await store.workspaces.setModel(ws.id, saved, { comment: input.comment, actor: input.actor });
  return {
    saved: true,
    unchanged: false,
    model: { ref: saved.ref, version: saved.version },
    quarantined: await releaseOffers(store, ws),
  };
}

export async function requireVersion(store: Store, ws: Workspace, id: number): Promise<ModelVersion> {
  const v = Number.isSafeInteger(id) ? await store.modelVersions.get(ws.id, id) : null;
  if (!v) throw new ValidationError(`version: workspace "${ws.name}" has no model version ${id}`);
  return v;
}

/** Saves an earlier version again (a new history entry: history is never rewritten). */
export async function rollbackModel(
  store: Store,
  ws: Workspace,
  id: number,
  actor: string,
  comment?: string,
): Promise<SaveOutcome> {
  const v = await requireVersion(store, ws, id);
  const outcome = await saveModel(store, ws, {
    text: v.text,
    ref: v.ref,
    comment: comment?.trim() || `rollback to version ${id}${v.comment ? ` (${v.comment})` : ''}`,
    actor,
  });
  // After the model, so the restored mappings are linked to the version the rollback saved.
  const mappings = await restoreMappingsOf(store, ws, v.id, actor);
  return { ...outcome, mappings };
}

export interface DiffLine {
  kind: 'context' | 'added' | 'removed';
  /** Line number in the old text (removed, context) and the new one (added, context). */
  oldLine: number | null;
  newLine: number | null;
  text: string;
}

export interface ModelDiff {
  from: { id: number | null; version: string };
  to: { id: number | null; version: string };
  hunks: { lines: DiffLine[] }[];
}

/**
 * A line diff of two model texts with three lines of context. jsdiff's Myers diff is O(N·D); model
 * texts are capped at 1 MB by the API and are hand-written, so D stays small.
 */
export function diffTexts(oldText: string, newText: string): ModelDiff['hunks'] {
  const patch = structuredPatch('old', 'new', oldText, newText, '', '', { context: 3 });
  return patch.hunks.map((h) => {
    let oldLine = h.oldStart;
    let newLine = h.newStart;
    const lines: DiffLine[] = [];
    for (const raw of h.lines) {
      const sign = raw[0];
      const text = raw.slice(1);
      if (sign === '\\') continue; // "\ No newline at end of file"
      if (sign === '+') lines.push({ kind: 'added', oldLine: null, newLine: newLine++, text });
      else if (sign === '-') lines.push({ kind: 'removed', oldLine: oldLine++, newLine: null, text });
      else lines.push({ kind: 'context', oldLine: oldLine++, newLine: newLine++, text });
    }
    return { lines };
  });
}

/** Version `fromId` against `toId`, or against the model in use when `toId` is absent. */
export async function diffVersions(
  store: Store,
  ws: Workspace,
  fromId: number,
  toId?: number,
): Promise<ModelDiff> {
  const from = await requireVersion(store, ws, fromId);
  const to = toId === undefined ? null : await requireVersion(store, ws, toId);
  const toText = to ? to.text : ws.model.text;
  return {
    from: { id: from.id, version: from.version },
    to: { id: to?.id ?? null, version: to?.version ?? ws.model.version },
    hunks: diffTexts(from.text, toText),
  };
}
