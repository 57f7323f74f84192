/** The sync pipeline: one run of a workspace, dry runs and previews, webhook re-qualification. */
export { runSync } from './run-sync.ts';
export { previewModelChange } from './preview.ts';
export { requalifyContacts } from './requalify.ts';
export { applyMerges, externalIdFor, identitySettings, type IdentitySettings } from './identity.ts';
export { DEFAULT_TUNING } from './run-context.ts';
export { ApiCallTally } from './api-calls.ts';
export type {
  CompileModel,
  PipelineOptions,
  PipelineTuning,
  RecordErrorSummary,
  RunSyncOptions,
  StageMove,
  StepName,
  SyncPreview,
  SyncProgress,
  SyncSummary,
} from './types.ts';
export {
  causesOf,
  listRecordErrors,
  releaseOffers,
  releaseRecordErrors,
  retryRecordErrors,
  type QuarantineCause,
  type QuarantineQuery,
} from './quarantine.ts';
export { applySourceDeletions, type DeletionsSettled } from './source-deletions.ts';
export {
  parseSettingsUpdate,
  SETTING_CHOICES,
  updateWorkspaceSettings,
  workspaceSettings,
  type SettingsUpdate,
  type WorkspaceSettings,
} from './workspace-settings.ts';
export {
  eraseContact,
  eraseInWorkspace,
  propagateCrmErasures,
  type ErasureReport,
  type ErasureTarget,
} from './erasure.ts';
