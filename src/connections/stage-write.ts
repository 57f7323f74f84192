/**
 * How a Mautic connection writes stages, decided by the on-connect probe (probe.ts) and kept in the
 * connection's config: shown read-only by the API and the console, with what it means.
 */
export type StageWrite = 'batch' | 'stages_api';

/** The mode a connection uses; null for vendors with one way only. Unprobed Mautic: the Stages API. */
export function stageWriteOf(vendor: string, config: Record<string, unknown>): StageWrite | null {
  if (vendor !== 'mautic') return null;
  return config.stageWrite === 'batch' ? 'batch' : 'stages_api';
}

export const STAGE_WRITE_MEANING: Record<StageWrite, string> = {
  batch: 'Stages ride in the batch contact edit: many contacts per call.',
  stages_api:
    'Stages are written through the Stages API, one call per contact that changes stage: the instance refused a stage in the batch edit, or had no contact to try it on when connected (connect again to check).',
};
