/**
 * The largest model `rules check` must answer for in under a second: every count bound of
 * `LIMITS` used at once (stages, scoring rules, named conditions at full depth, recycle rules),
 * each named condition a regex, each scoring rule a windowed count rule, padded with labels to just
 * under `LIMITS.textLength` characters. Written as a person would, one item per line.
 */
import { LIMITS } from '../../src/qualification/limits.ts';

export function largestModelText(): string {
  // The count bounds together take more text than `textLength` allows: the largest share of each
  // that fits, found by bisection, then padding up to the bound.
  let lo = 0.01;
  let hi = 1;
  if (modelText(hi).length <= LIMITS.textLength) return pad(modelText(hi));
  for (let i = 0; i < 20; i++) {
    const mid = (lo + hi) / 2;
    if (modelText(mid).length <= LIMITS.textLength) lo = mid;
    else hi = mid;
  }
  return pad(modelText(lo));
}

function pad(text: string): string {
  // Comments, which the YAML parser still reads.
  const room = LIMITS.textLength - text.length - 1;
  const line = '# ' + 'notes on the model '.repeat(4) + '\n';
  return room > 0 ? text + line.repeat(Math.floor(room / line.length)) : text;
}

function modelText(share: number): string {
  const scaled = (n: number) => Math.max(1, Math.floor(n * share));
  const lines: string[] = [
    'name: largest-within-bounds',
    'dimensions: [fit, engagement, intent]',
    'conditions:',
  ];
  const named = scaled(LIMITS.namedConditions);
  for (let i = 0; i < named; i++) {
    // Chains of `is` up to the depth bound, the rest plain regexes on the email.
    const chained = i % LIMITS.namedDepth !== 0;
    lines.push(
      chained
        ? `  c${i}: { any: [{ is: c${i - 1} }, { property: jobtitle, matches: '\\b(vp|head|chief)${i}\\b' }] }`
        : `  c${i}: { property: email, matches: '@(gmail|yahoo|example${i})\\.' }`,
    );
  }
  lines.push('stages:');
  const stages = scaled(LIMITS.stages);
  for (let s = 0; s < stages; s++) {
    lines.push(`  - key: s${s}`, `    label: Stage ${s}`);
    if (s === stages - 1) lines.push('    handoff: true');
    if (s > 0) {
      lines.push(
        '    requires:',
        '      all:',
        `        - { score: engagement, gte: ${s} }`,
        `        - { is: c${(s * 7) % named} }`,
        `        - { event: page_view, withinDays: ${s + 1}, count: { gte: ${1 + (s % 3)} } }`,
      );
    }
  }
  lines.push('scoring:');
  const events = ['page_view', 'email_open', 'email_click', 'form_submit', 'meeting_booked'];
  for (let r = 0; r < scaled(LIMITS.scoringRules); r++) {
    lines.push(
      `  - { dimension: ${['fit', 'engagement', 'intent'][r % 3]}, when: { event: ${events[r % events.length]}, withinDays: ${1 + (r % 90)}, count: { gte: ${1 + (r % 4)} } }, points: ${1 + (r % 9)}, once: true }`,
    );
  }
  lines.push('recycle:');
  for (let r = 0; r < scaled(LIMITS.recycleRules); r++) {
    lines.push(`  - { to: s0, when: { property: lead_status, equals: closed_${r} } }`);
  }
  return lines.join('\n') + '\n';
}
