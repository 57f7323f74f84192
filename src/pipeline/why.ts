/**
 * The "why" of a handoff, as a rep reads it in the CRM: the stage and its explanation (what the
 * contact met, the points behind each score) and what the contact did lately (forms, pages,
 * emails, meetings), newest first. Pure: the handoff step supplies the decision and the events.
 */
import type { EngagementEvent, Reason, Scores } from '../model.ts';

/** Salesforce Task Subject holds 255 characters; the body stays far below Description's 32,000. */
const SUBJECT_MAX = 255;
const REASONS_MAX = 20;
const DETAIL_MAX = 160;

const EVENT_LABELS: Record<string, string> = {
  form_submit: 'Form',
  page_view: 'Page',
  email_open: 'Email opened',
  email_click: 'Email clicked',
  email_bounce: 'Email bounced',
  email_unsubscribe: 'Unsubscribed',
  meeting_booked: 'Meeting booked',
  meeting_held: 'Meeting held',
  points_change: 'Points',
};

/** The one property that says most about an event: the form, the page, the email, the meeting. */
const DETAIL_KEYS = ['formName', 'title', 'url', 'emailName', 'subject', 'name', 'meetingTitle', 'points'];

export interface WhyInput {
  /** The contact's name or email, as the rep knows them. */
  who: string;
  stageLabel: string;
  summary: string;
  scores: Scores;
  reasons: readonly Reason[];
  /** The contact's events, any order; the latest `limit` are listed. */
  events: readonly EngagementEvent[];
  limit: number;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function describeEvent(e: Pick<EngagementEvent, 'type' | 'at' | 'properties'>): string {
  const label = EVENT_LABELS[e.type] ?? e.type;
  const key = DETAIL_KEYS.find((k) => e.properties[k] !== undefined && e.properties[k] !== null);
  const detail = key ? `: ${clip(String(e.properties[key]), DETAIL_MAX)}` : '';
  return `${e.at.slice(0, 16).replace('T', ' ')} UTC  ${label}${detail}`;
}

/** Latest first; ties keep a stable order by id so a rerun writes the same text. */
export function latestEvents(events: readonly EngagementEvent[], limit: number): EngagementEvent[] {
  return [...events]
    .sort((a, b) => (a.at === b.at ? a.id.localeCompare(b.id) : a.at < b.at ? 1 : -1))
    .slice(0, limit);
}

export function buildWhy(input: WhyInput): { subject: string; body: string } {
  const subject = clip(`Leadstage: ${input.who} is a ${input.stageLabel}`, SUBJECT_MAX);
  const scores = Object.entries(input.scores)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const met = input.reasons.filter((r) => r.code === 'requirement_met' || r.code === 'recycled');
  const points = input.reasons.filter((r) => r.code === 'points');
  const lines = [
    input.summary,
    '',
    `Scores: ${scores}`,
    ...(met.length ? ['', 'Why this stage:', ...met.slice(0, REASONS_MAX).map((r) => `- ${r.text}`)] : []),
    ...(points.length ? ['', 'Points:', ...points.slice(0, REASONS_MAX).map((r) => `- ${r.text}`)] : []),
  ];
  if (input.limit > 0) {
    const recent = latestEvents(input.events, input.limit);
    lines.push('', `Recent engagement (last ${recent.length}):`);
    if (recent.length === 0) lines.push('- none recorded');
    for (const e of recent) lines.push(`- ${describeEvent(e)}`);
  }
  return { subject, body: lines.join('\n') };
}
