/**
 * All contacts' activity (timeline events with `filters[...]`, `order`, `page`/`limit`), stages (list,
 * create, add a contact) and contact fields (list, create), in Mautic's wire format.
 */
import { createHash } from 'node:crypto';

import { list, parsePhpQuery, str, type PhpValue } from './php-params.ts';
import { NOT_FOUND, int, returnError, sendJson, type Handler, type RouteDeps } from './route-helpers.ts';
import { fieldJson, localIso, orderedObject, stageJson } from './serialize.ts';
import { EVENT_TYPE_LABELS, TYPES_WITH_LENGTH, seconds, type SandboxEvent } from './state.ts';

/**
 * `GET /api/contacts/activity` as Mautic 5.1 pages it: every event type's listener runs its own query
 * with `limit` and `start = (page - 1) * limit` (`LeadTimelineEvent::getEventLimit`, `TimelineTrait::
 * getTimelineResults`), the results are merged and sorted in PHP (`LeadTimelineEvent::getEvents`), and
 * `maxPages` is the largest type's total over `limit` (`getMaxPage`). So a page holds up to `limit`
 * events of each type, and the limit applies per type. Timestamps are the instance's local time
 * (`DateTimeHelper::getLocalDateTime`, `default_timezone`), while `filters[dateFrom]` is read as UTC
 * (index.php sets PHP's zone to UTC; API calls have no session to change it). Only the types named
 * in `filters[includeEvents][]` are listed (all when it is empty), less `excludeEvents` (API-NOTES
 * §3.3); each listener skips itself unless its type is applicable. `dateFrom` and `dateTo` are both
 * inclusive: a guess from the listeners read (`>= :fromDate`, `<= :toDate`), not every listener's
 * query; the connector does not depend on it (a catch-up ends where the next window starts).
 * @see https://github.com/mautic/mautic/blob/5.1/app/bundles/LeadBundle/Event/LeadTimelineEvent.php
 */
export function allActivity({ state, timeZone }: RouteDeps): Handler {
  return (req, res) => {
    const q = parsePhpQuery(req.originalUrl);
    const filters = (typeof q.filters === 'object' && !Array.isArray(q.filters) ? q.filters : {}) as Record<
      string,
      PhpValue
    >;
    const include = list(filters.includeEvents).map(String);
    const exclude = list(filters.excludeEvents).map(String);
    const from = str(filters.dateFrom);
    const to = str(filters.dateTo);
    const toIso = (v: string) =>
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v)
        ? `${v.replace(' ', 'T')}.000Z`
        : new Date(v).toISOString();
    const order = list(q.order).map(String);
    const desc = (order[1] ?? 'DESC').toUpperCase() === 'DESC';
    const page = Math.max(1, int(q.page, 1));
    const limit = Math.max(1, int(q.limit, 25));
    const byTime = (a: SandboxEvent, b: SandboxEvent) =>
      (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0) * (desc ? -1 : 1);
    const byType = new Map<string, SandboxEvent[]>();
    for (const e of state().events) {
      if (include.length > 0 && !include.includes(e.event)) continue;
      if (exclude.includes(e.event)) continue;
      if ((from && e.timestamp < toIso(from)) || (to && e.timestamp > toIso(to))) continue;
      const same = byType.get(e.event);
      if (same) same.push(e);
      else byType.set(e.event, [e]);
    }
    const slice: SandboxEvent[] = [];
    let largest = 0;
    for (const events of byType.values()) {
      largest = Math.max(largest, events.length);
      slice.push(...events.sort(byTime).slice((page - 1) * limit, page * limit));
    }
    const total = [...byType.values()].reduce((n, e) => n + e.length, 0);
    res.json({
      events: slice.sort(byTime).map((e) => ({
        event: e.event,
        eventId: e.eventId ?? generatedEventId(e),
        eventLabel: e.eventLabel,
        eventType: e.eventType,
        timestamp: localIso(e.timestamp, timeZone),
        ...(e.contactId !== undefined ? { contactId: String(e.contactId) } : {}),
        details: e.details,
      })),
      filters: {
        search: str(filters.search) ?? '',
        includeEvents: include,
        excludeEvents: exclude,
        ...(from ? { dateFrom: from } : {}),
        ...(to ? { dateTo: to } : {}),
      },
      order: [order[0] ?? 'timestamp', desc ? 'DESC' : 'ASC'],
      types: EVENT_TYPE_LABELS,
      total,
      page,
      limit,
      maxPages: largest === 0 ? 1 : Math.ceil(largest / limit),
    });
  };
}

/** `LeadTimelineEvent::generateEventId`: event type name + crc32 of the event, for rows without one. */
function generatedEventId(e: SandboxEvent): string {
  return `${e.eventType}${createHash('sha256').update(JSON.stringify(e)).digest('hex').slice(0, 8)}`;
}

/** Lists are PHP arrays keyed by entity id (`FetchCommonApiController::getEntitiesAction`). */
export function listStages({ state }: RouteDeps): Handler {
  return (_req, res) => {
    const stages = [...state().stages.values()];
    const body = orderedObject(stages.map((st) => [st.id, stageJson(st)]));
    sendJson(res, 200, `{"total":${stages.length},"stages":${body}}`);
  };
}

export function newStage({ state, now }: RouteDeps): Handler {
  return (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.name !== 'string' || b.name.trim() === '') {
      res.status(400).json({
        errors: [
          {
            code: 400,
            message: 'name: A value is required.',
            details: { name: ['A value is required.'] },
            type: null,
          },
        ],
      });
      return;
    }
    const stage = state().addStage({
      name: b.name.trim(),
      weight: Number(b.weight ?? 0) || 0,
      description: typeof b.description === 'string' ? b.description : null,
      isPublished: b.isPublished !== false && b.isPublished !== 0 && b.isPublished !== '0',
      dateAdded: seconds(now()),
    });
    res.status(201).json({ stage: stageJson(stage) });
  };
}

/**
 * `StageApiController::addContactAction` (Mautic 5.1): 404 for an unknown stage or contact, otherwise
 * `LeadModel::addToStages` sets the stage and writes a "Manually Added" stage log entry every time,
 * even when the contact already had that stage, and answers `{"success": 1}`.
 * @see https://github.com/mautic/mautic/blob/5.1/app/bundles/StageBundle/Controller/Api/StageApiController.php
 */
export function addContactToStage({ state, now }: RouteDeps): Handler {
  return (req, res) => {
    const s = state();
    const stage = s.stages.get(Number(req.params.id));
    const contact = s.contacts.get(Number(req.params.contactId));
    if (!stage || !contact) return returnError(res, 404, NOT_FOUND);
    const before = contact.stageId === null ? null : s.stages.get(contact.stageId)?.name;
    contact.stageId = stage.id;
    contact.dateModified = seconds(now());
    s.changed(contact.id);
    s.stageLog.push({ contactId: contact.id, stageId: stage.id, eventName: 'Manually Added' });
    s.addEvent({
      event: 'stage.changed',
      eventId: `stage.changed${s.nextEventSeq++}`,
      eventLabel: stage.name,
      eventType: 'Stage changed',
      timestamp: contact.dateModified,
      contactId: contact.id,
      details: { previous: before ?? null, stage: stage.name },
    });
    res.json({ success: 1 });
  };
}

/** Keyed by field id, like every Mautic list (`FetchCommonApiController::getEntitiesAction`). */
export function listFields({ state }: RouteDeps): Handler {
  return (_req, res) => {
    const fields = [...state().fields.values()];
    const body = orderedObject(fields.map((f) => [f.id, fieldJson(f)]));
    sendJson(res, 200, `{"total":${fields.length},"fields":${body}}`);
  };
}

export function newField({ state }: RouteDeps): Handler {
  return (req, res) => {
    const s = state();
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.label !== 'string' || b.label.trim() === '') {
      res.status(400).json({
        errors: [
          {
            code: 400,
            message: 'label: A value is required.',
            details: { label: ['A value is required.'] },
            type: null,
          },
        ],
      });
      return;
    }
    const wanted = (typeof b.alias === 'string' && b.alias ? b.alias : b.label)
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '');
    // Mautic makes an alias unique by appending a number.
    let alias = wanted;
    for (let n = 1; s.fieldByAlias(alias); n++) alias = `${wanted}${n}`;
    const types = ['text', 'number', 'boolean', 'email', 'country', 'tel', 'url', 'lookup'] as const;
    const type = types.find((t) => t === b.type) ?? 'text';
    const group =
      b.group === 'professional' || b.group === 'social' || b.group === 'personal' ? b.group : 'core';
    // `charLengthLimit` is a form field of FieldType (1..255) kept only for the types with a length;
    // left out, the entity default of 64 applies (LeadField.php).
    const wantedLength = b.charLengthLimit === undefined ? 64 : Number(b.charLengthLimit);
    if (
      TYPES_WITH_LENGTH.has(type) &&
      !(Number.isInteger(wantedLength) && wantedLength >= 1 && wantedLength <= 255)
    ) {
      return returnError(res, 400, 'charLengthLimit: This value should be between 1 and 255.', {
        charLengthLimit: ['This value should be between 1 and 255.'],
      });
    }
    const charLengthLimit = TYPES_WITH_LENGTH.has(type) ? wantedLength : null;
    const field = s.addField({ alias, label: b.label.trim(), type, group, charLengthLimit });
    res.status(201).json({ field: fieldJson(field) });
  };
}
