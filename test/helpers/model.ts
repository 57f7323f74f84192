/**
 * A hand-built CompiledModel for pipeline tests, independent of the qualification engine:
 * subscriber → lead (has email) → mql (fit + 10 per event ≥ threshold) → sql (meeting booked, hands
 * off) → opportunity / customer (sales facts). Stages never fall unless sales disqualify (→ lead).
 */
import type { CompiledModel, ContactInput, Decision, Reason, StageInfo } from '../../src/model.ts';
import { DEFAULT_BUSINESS_HOURS } from '../../src/sla/business-hours.ts';

const STAGES: [string, StageInfo['owner'], boolean][] = [
  ['subscriber', 'marketing', false],
  ['lead', 'marketing', false],
  ['mql', 'marketing', false],
  ['sql', 'marketing', true],
  ['opportunity', 'sales', false],
  ['customer', 'sales', false],
];

export function testModel(options: { mqlThreshold?: number; version?: string } = {}): CompiledModel {
  const threshold = options.mqlThreshold ?? 50;
  const stages: StageInfo[] = STAGES.map(([key, owner, handoff], index) => ({
    key,
    label: key.toUpperCase(),
    owner,
    handoff,
    index,
  }));
  const indexOf = (key: string | undefined) => stages.findIndex((s) => s.key === key);
  const version = options.version ?? `test-${threshold}`;
  return {
    name: 'test',
    version,
    dimensions: ['fit', 'behavior'],
    stages,
    handoffStage: 'sql',
    businessHours: DEFAULT_BUSINESS_HOURS,
    accountDimensions: [],
    reasonsJson(contact: ContactInput, now: Date): string {
      return JSON.stringify(this.qualify(contact, now).reasons);
    },
    qualify(contact: ContactInput): Decision {
      const p = contact.properties;
      const fit = Number(p.fit ?? 0);
      const behavior = 10 * contact.events.length;
      const scores = { fit, behavior, total: fit + behavior };
      const reasons: Reason[] = [{ code: 'points', text: `total ${scores.total}`, points: scores.total }];
      let stage = 'subscriber';
      if (p.email) stage = 'lead';
      if (p.email && scores.total >= threshold) stage = 'mql';
      if (contact.events.some((e) => e.type === 'meeting_booked')) stage = 'sql';
      if (p.sales_opportunity === 'open') stage = 'opportunity';
      if (p.sales_opportunity === 'won') stage = 'customer';
      let recycled = false;
      if (p.sales_status === 'disqualified' && p.sales_opportunity !== 'won') {
        recycled = indexOf(contact.stage) > indexOf('lead');
        stage = 'lead';
        reasons.push({ code: 'recycled', text: 'disqualified by sales', stage });
      } else if (indexOf(contact.stage) > indexOf(stage)) {
        reasons.push({ code: 'held', text: `stays ${contact.stage}`, stage: contact.stage! });
        stage = contact.stage!;
      }
      return {
        contactId: contact.id,
        stage,
        ...(contact.stage ? { previousStage: contact.stage } : {}),
        scores,
        reasons,
        summary: `${stage}: total ${scores.total}`,
        recycled,
        modelVersion: version,
      };
    },
  };
}

/** Workspace model fields for a hand-built model (the text is never compiled when tests inject one). */
export function modelFields(model: CompiledModel) {
  return { text: `# hand-built ${model.version}`, ref: 'test', version: model.version };
}
