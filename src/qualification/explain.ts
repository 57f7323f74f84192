/**
 * A decision as a readable account: the points, what the stage required, and what the next stage
 * still needs ("MQL needs total score ≥ 60, has 45").
 */
import type { CompiledModel, Decision } from '../model.ts';

export function explainDecision(model: CompiledModel, d: Decision): string {
  const stage = model.stages.find((s) => s.key === d.stage)!;
  const next = model.stages[stage.index + 1];
  const lines: string[] = [];
  lines.push(
    `Contact ${d.contactId}: ${stage.label} (stage ${stage.index + 1} of ${model.stages.length}, model ${model.name} ${d.modelVersion})`,
  );
  lines.push('');
  lines.push(
    `Scores: ${Object.entries(d.scores)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const points = d.reasons.filter((r) => r.code === 'points');
  lines.push(points.length ? 'Points:' : 'Points: no rule gave points');
  for (const r of points) lines.push(`  ${r.text}`);
  const special = d.reasons.filter(
    (r) => r.code === 'recycled' || r.code === 'held' || r.code === 'unknown_stage',
  );
  for (const r of special) lines.push(`Note: ${r.text}`);
  const met = d.reasons.filter((r) => r.code === 'requirement_met');
  lines.push(met.length ? `${stage.label} requires:` : `${stage.label} has no requirements.`);
  for (const r of met) lines.push(`  ✓ ${r.text}`);
  if (next) {
    const missing = d.reasons.filter((r) => r.code === 'requirement_missing');
    lines.push(
      missing.length ? `For ${next.label}, missing:` : `${next.label}: no missing requirement reported.`,
    );
    for (const r of missing) lines.push(`  ✗ ${next.label} needs ${r.text}`);
  } else {
    lines.push('This is the last stage.');
  }
  return lines.join('\n');
}
