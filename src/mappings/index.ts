/** Per-workspace mappings and the doctor that checks a workspace's model against them. */
export {
  effectiveMapping,
  effectiveMappings,
  mappingSource,
  MAX_MAPPING_BYTES,
  resetMapping,
  saveMapping,
  setMappingEntry,
  validateMapping,
  workspaceMappingText,
  workspaceVendors,
  type MappingDeps,
  type MappingRole,
  type SavedMapping,
  type WorkspaceMapping,
} from './workspace-mappings.ts';
export {
  checkCandidateModel,
  checkWorkspace,
  type CheckOptions,
  type CheckReport,
  type FactRow,
  type Finding,
  type Severity,
  type StageRow,
} from './doctor.ts';
export {
  mappingHistory,
  restoreMappingsOf,
  type MappingHistoryEntry,
  type RestoredMapping,
} from './history.ts';
