/**
 * Mautic shapes → canonical ones, driven by `mappings/mautic.yaml`. Pure functions, no I/O.
 */
import { createHash } from 'node:crypto';

import type { Contact, EngagementEvent, Properties, PropertyValue } from '../../src/model.ts';
import { toIso } from './dates.ts';
import type { MauticMapping } from './mapping-file.ts';
import type { MauticActivityEvent, MauticContact } from './wire.ts';

type Transform = MauticMapping['contactFields'][number]['transform'][number];

function applyTransform(value: PropertyValue, t: Transform): PropertyValue {
  if (value === null) return null;
  switch (t) {
    case 'trim':
      return typeof value === 'string' ? value.trim() : value;
    case 'lowercase':
      return typeof value === 'string' ? value.toLowerCase() : value;
    case 'number': {
      if (value === '' || typeof value === 'boolean') return null;
      const n = Number(value);
      return Number.isFinite(n) ? n : null;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === '') return null;
      return value === 1 || value === '1' || value === 'true' || value === 'yes';
  }
}

function scalar(value: unknown): PropertyValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  // Multiselect fields arrive as arrays; models compare strings.
  if (Array.isArray(value)) return value.map(String).join(';');
  return JSON.stringify(value);
}

/** Maps Mautic stage names back to canonical keys (case-insensitive). */
export function stageKeyByName(source: Pick<MauticMapping, 'stages'>): Map<string, string> {
  const byName = new Map<string, string>();
  for (const [key, name] of Object.entries(source.stages)) byName.set(name.toLowerCase(), key);
  return byName;
}

export function toContact(c: MauticContact, mapping: MauticMapping, stageKeys: Map<string, string>): Contact {
  const properties: Properties = {};
  for (const f of mapping.contactFields) {
    if (!(f.from in c.fields.all)) continue;
    properties[f.to] = f.transform.reduce(applyTransform, scalar(c.fields.all[f.from]));
  }
  if (mapping.consent) {
    const channel = mapping.consent.channel;
    properties[mapping.consent.to] = !c.doNotContact.some((d) => d.channel === channel);
  }
  if (mapping.points && c.points !== null && c.points !== undefined) properties[mapping.points.to] = c.points;
  const updatedAt = toIso(c.dateModified) ?? toIso(c.dateAdded) ?? new Date(0).toISOString();
  const stage = c.stage ? stageKeys.get(c.stage.name.toLowerCase()) : undefined;
  return { id: c.id, properties, updatedAt, ...(stage ? { stage } : {}) };
}

function at(details: unknown, path: string): unknown {
  let v: unknown = details;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && v !== 0 && v !== '0';
}

const lower = (v: unknown) =>
  typeof v === 'string' || typeof v === 'number' ? String(v).toLowerCase() : null;

export function canonicalType(e: MauticActivityEvent, mapping: MauticMapping): string | null {
  for (const rule of mapping.events) {
    if (rule.event !== e.event) continue;
    if (rule.whenDetail && !present(at(e.details, rule.whenDetail))) continue;
    const is = Object.entries(rule.whenDetailIs ?? {});
    if (!is.every(([path, want]) => lower(at(e.details, path)) === want.toLowerCase())) continue;
    const contains = Object.entries(rule.whenDetailContains ?? {});
    if (!contains.every(([path, want]) => lower(at(e.details, path))?.includes(want.toLowerCase()))) continue;
    return rule.type;
  }
  return null;
}

/**
 * Mautic's `eventId` is stable: `email.read769` for most types, the bare hit id for page hits
 * (PageBundle/EventListener/LeadSubscriber.php), which gets the type in front so ids never clash
 * across types. Events without one get a hash of what identifies them. Same vendor event, same id,
 * on every pull.
 */
export function eventIdOf(e: MauticActivityEvent): string {
  if (e.eventId) {
    return e.eventId.startsWith(e.event) ? `mautic:${e.eventId}` : `mautic:${e.event}:${e.eventId}`;
  }
  const digest = createHash('sha256')
    .update(JSON.stringify([e.event, e.contactId ?? '', e.timestamp, e.details ?? null]))
    .digest('hex')
    .slice(0, 24);
  return `mautic:${e.event}:${digest}`;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/**
 * The properties models score on (url, title, email and form names, points delta), from the detail
 * keys Mautic 5.1 sends: `hit.url`/`hit.urlTitle` (HitRepository::getLeadHits), `stat.email_name`
 * (StatRepository::getLeadStats), `dnc.channel` (DoNotContactRepository::getTimelineStats).
 */
function eventProperties(e: MauticActivityEvent): Properties {
  const label = typeof e.eventLabel === 'string' ? e.eventLabel : e.eventLabel?.label;
  const d = e.details;
  const candidates: Record<string, string | undefined> = {
    mauticEvent: e.event,
    label: text(label),
    url: text(at(d, 'hit.url')),
    title: text(at(d, 'hit.urlTitle')) ?? (e.event.startsWith('page.') ? text(label) : undefined),
    emailName: text(at(d, 'stat.email_name')) ?? (e.event.startsWith('email.') ? text(label) : undefined),
    emailId:
      text(at(d, 'stat.email_id')) ??
      (text(at(d, 'hit.source')) === 'email' ? text(at(d, 'hit.sourceId')) : undefined),
    formName: text(at(d, 'form.name')),
    channel: text(at(d, 'dnc.channel')),
  };
  const props: Properties = {};
  for (const [k, v] of Object.entries(candidates)) if (v !== undefined) props[k] = v;
  const delta = at(d, 'log.delta');
  if (present(delta) && Number.isFinite(Number(delta))) props.delta = Number(delta);
  return props;
}

/** Null for events of unmapped types and for events without a contact. */
export function toEngagementEvent(e: MauticActivityEvent, mapping: MauticMapping): EngagementEvent | null {
  const type = canonicalType(e, mapping);
  const when = toIso(e.timestamp);
  if (!type || !e.contactId || !when) return null;
  return { id: eventIdOf(e), contactId: e.contactId, type, at: when, properties: eventProperties(e) };
}

/**
 * The Mautic event types to ask the timeline for: those a rule maps to a canonical type the model
 * reads (every mapped one when `eventTypes` is absent), in mapping order.
 */
export function mauticEventsRead(
  mapping: MauticMapping,
  eventTypes: readonly string[] | undefined,
): string[] {
  const read = mapping.events.filter((rule) => eventTypes === undefined || eventTypes.includes(rule.type));
  return [...new Set(read.map((rule) => rule.event))];
}
