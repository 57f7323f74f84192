/**
 * Mappings versioned together with the model: every save or reset of a workspace's mapping is kept
 * with the model version in use at the time (src/store/mapping-versions.ts). The history is listed
 * by `leadstage mapping history`, the JSON API and the console; a model rollback brings back, for
 * each vendor, the mapping that was in use with the model version it returns to.
 */
import type { MappingVersion, Store, Workspace } from '../store/index.ts';

import { workspaceMappingText, workspaceVendors } from './workspace-mappings.ts';

/** One history entry as the doors show it: the text only on request (it can be long). */
export interface MappingHistoryEntry {
  id: number;
  vendor: string;
  /** `workspace`: its own mapping was saved; `default`: reset to the vendor default. */
  kind: 'workspace' | 'default';
  modelVersionId: number | null;
  /** The model's content hash for `modelVersionId`, when that version still exists. */
  modelVersion: string | null;
  actor: string;
  savedAt: string;
}

export async function mappingHistory(
  store: Store,
  ws: Workspace,
  vendor?: string,
): Promise<MappingHistoryEntry[]> {
  const [versions, models] = await Promise.all([
    store.mappingVersions.list(ws.id, vendor),
    store.modelVersions.list(ws.id, 1000),
  ]);
  const hashes = new Map(models.map((m) => [m.id, m.version]));
  return versions.map((v) => ({
    id: v.id,
    vendor: v.vendor,
    kind: v.text === null ? 'default' : 'workspace',
    modelVersionId: v.modelVersionId,
    modelVersion: v.modelVersionId === null ? null : (hashes.get(v.modelVersionId) ?? null),
    actor: v.actor,
    savedAt: v.savedAt,
  }));
}

/** What a rollback did to one vendor's mapping. */
export interface RestoredMapping {
  vendor: string;
  /** `workspace`: a saved mapping came back; `default`: the vendor default applies again. */
  to: 'workspace' | 'default';
  /** The history entry restored; null when none was saved by then (the default). */
  fromMappingVersion: number | null;
}

/**
 * Brings back, for each vendor of the workspace, the mapping in use with model version
 * `modelVersionId`; a vendor whose mapping is already that one is left alone. Each change is a new
 * history entry: history is never rewritten.
 */
export async function restoreMappingsOf(
  store: Store,
  ws: Workspace,
  modelVersionId: number,
  actor: string,
): Promise<RestoredMapping[]> {
  const restored: RestoredMapping[] = [];
  for (const { vendor } of workspaceVendors(ws)) {
    const then: MappingVersion | null = await store.mappingVersions.atModelVersion(
      ws.id,
      vendor,
      modelVersionId,
    );
    const text = then?.text ?? null;
    if (text === (workspaceMappingText(ws, vendor) ?? null)) continue;
    await store.workspaces.setMapping(ws.id, vendor, text, { actor, savedAt: new Date().toISOString() });
    restored.push({
      vendor,
      to: text === null ? 'default' : 'workspace',
      fromMappingVersion: then?.id ?? null,
    });
  }
  return restored;
}
