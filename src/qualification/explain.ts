/**
 * A decision as a readable account: the points, what the stage required, and what the next stage
 * still needs ("MQL needs total score ≥ 60, has 45").
 */
import type { CompiledModel, Decision } from '../model.ts';
import { WORDS } from './messages.ts';

/** In the model's locale: the reasons were written in it when the model compiled. */
export function explainDecision(model: CompiledModel, d: Decision): string {
  const locale = model.locale ?? 'en';
  const w = WORDS[locale].explain;
  const colon = locale === 'fr' ? ' :' : ':';
  const stage = model.stages.find((s) => s.key === d.stage)!;
  const next = model.stages[stage.index + 1];
  const lines: string[] = [];
  lines.push(
    w.heading(d.contactId, stage.label, stage.index + 1, model.stages.length, model.name, d.modelVersion),
  );
  lines.push('');
  lines.push(
    `${w.scores}${colon} ${Object.entries(d.scores)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const points = d.reasons.filter((r) => r.code === 'points');
  lines.push(points.length ? w.points : w.noPoints);
  for (const r of points) lines.push(`  ${r.text}`);
  const special = d.reasons.filter(
    (r) => r.code === 'recycled' || r.code === 'held' || r.code === 'unknown_stage',
  );
  for (const r of special) lines.push(`${w.note}${colon} ${r.text}`);
  const met = d.reasons.filter((r) => r.code === 'requirement_met');
  lines.push(met.length ? w.requires(stage.label) : w.noRequirements(stage.label));
  for (const r of met) lines.push(`  ✓ ${r.text}`);
  if (next) {
    const missing = d.reasons.filter((r) => r.code === 'requirement_missing');
    lines.push(missing.length ? w.missingFor(next.label) : w.nothingMissing(next.label));
    for (const r of missing) lines.push(`  ✗ ${w.needs(next.label)} ${r.text}`);
  } else {
    lines.push(w.lastStage);
  }
  return lines.join('\n');
}
