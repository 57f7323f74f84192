/**
 * Mautic's JSON for contacts, stages and fields. Lists keyed by id are written by hand: a JS object
 * would reorder numeric keys, while Mautic (PHP) keeps the query's order.
 */
import type { SandboxContact, SandboxField, SandboxStage, SandboxState } from './state.ts';

/** `2015-07-21T12:27:12+00:00`. */
export function mauticIso(iso: string | null): string | null {
  return iso === null ? null : `${iso.slice(0, 19)}+00:00`;
}

/**
 * A UTC instant as Mautic serializes a local DateTime: `2024-05-01T14:00:00+02:00` in `timeZone`.
 * Timeline rows go through `DateTimeHelper::getLocalDateTime` (LeadBundle/Entity/TimelineTrait.php).
 */
export function localIso(iso: string, timeZone: string): string {
  const date = new Date(iso);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const local = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  const offsetMin = Math.round((Date.parse(`${local}Z`) - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** `Y-m-d H:i:s`, for where comparisons. */
export function sqlDate(iso: string | null): string | null {
  return iso === null ? null : iso.slice(0, 19).replace('T', ' ');
}

export function stageJson(s: SandboxStage) {
  return {
    id: s.id,
    name: s.name,
    category: null,
    description: s.description,
    weight: s.weight,
    isPublished: s.isPublished,
    publishUp: null,
    publishDown: null,
    dateAdded: mauticIso(s.dateAdded),
    dateModified: null,
  };
}

export function fieldJson(f: SandboxField, order = f.id) {
  return {
    id: f.id,
    isPublished: true,
    label: f.label,
    alias: f.alias,
    type: f.type,
    group: f.group,
    order,
    object: 'lead',
    defaultValue: null,
    isRequired: false,
    isUniqueIdentifier: f.alias === 'email',
    properties: [],
  };
}

export function contactJson(c: SandboxContact, state: SandboxState) {
  const groups: Record<string, Record<string, unknown>> = {
    core: {},
    social: {},
    personal: {},
    professional: {},
  };
  const all: Record<string, unknown> = { id: String(c.id) };
  for (const f of state.fields.values()) {
    // CustomFieldsApiControllerTrait::fixNumbers: a number field without a scale comes back as (int).
    const raw = c.fields[f.alias] ?? null;
    const value = f.type === 'number' && raw !== null ? Math.trunc(Number(raw)) : raw;
    groups[f.group]![f.alias] = {
      id: String(f.id),
      label: f.label,
      alias: f.alias,
      type: f.type,
      group: f.group,
      object: 'lead',
      is_fixed: f.id <= 9 ? '1' : '0',
      value,
      normalizedValue: value,
    };
    all[f.alias] = value;
  }
  const emptyToList = (g: Record<string, unknown>) => (Object.keys(g).length === 0 ? [] : g);
  const stage = c.stageId === null ? null : state.stages.get(c.stageId);
  return {
    id: c.id,
    isPublished: true,
    dateAdded: mauticIso(c.dateAdded),
    dateModified: mauticIso(c.dateModified),
    createdBy: 1,
    createdByUser: 'Sandbox Admin',
    modifiedBy: c.dateModified ? 1 : null,
    modifiedByUser: c.dateModified ? 'Sandbox Admin' : null,
    owner: null,
    points: c.points,
    lastActive: mauticIso(c.dateModified ?? c.dateAdded),
    dateIdentified: mauticIso(c.dateAdded),
    color: null,
    ipAddresses: [],
    fields: {
      core: emptyToList(groups.core!),
      social: emptyToList(groups.social!),
      personal: emptyToList(groups.personal!),
      professional: emptyToList(groups.professional!),
      all,
    },
    tags: [],
    utmtags: [],
    stage: stage
      ? { id: stage.id, name: stage.name, weight: stage.weight, description: stage.description }
      : null,
    doNotContact: c.doNotContact.map((d, i) => ({
      id: i + 1,
      reason: d.reason,
      comments: '',
      channel: d.channel,
      channelId: null,
    })),
    frequencyRules: [],
  };
}

/** `{"k1": v1, "k2": v2}` in the given order, or `[]` when empty (PHP's empty array). */
export function orderedObject(entries: [string | number, unknown][]): string {
  if (entries.length === 0) return '[]';
  return `{${entries.map(([k, v]) => `${JSON.stringify(String(k))}:${JSON.stringify(v)}`).join(',')}}`;
}

/** A PHP array keyed by request index: a JSON list when keys are 0..n-1, else an object. */
export function phpIndexed(entries: [number, unknown][]): string {
  const sequential = entries.every(([k], i) => k === i);
  return sequential ? JSON.stringify(entries.map(([, v]) => v)) : orderedObject(entries);
}
