import { STAGE_WRITE_MEANING, type StageWrite } from '../../connections/stage-write.ts';

import { esc } from './layout.ts';

/** A connection's stage write mode, read-only, with what it means (Mautic only). */
export function stageWriteNote(mode: StageWrite | null): string {
  if (!mode) return '';
  return `<br><span class="muted" data-stage-write="${mode}">Stage write: <code>${mode}</code>. ${esc(STAGE_WRITE_MEANING[mode])}</span>`;
}
