/**
 * All contacts' activity (timeline events with `filters[...]`, `order`, `page`/`limit`), stages (list,
 * create, add a contact) and contact fields (list, create), in Mautic's wire format.
 */
import { sendErrors } from './auth.ts';
import { list, parsePhpQuery, str, type PhpValue } from './php-params.ts';
import { NOT_FOUND, int, type Handler, type RouteDeps } from './route-helpers.ts';
import { fieldJson, stageJson } from './serialize.ts';
import { EVENT_TYPE_LABELS, seconds } from './state.ts';

export function allActivity({ state }: RouteDeps): Handler {
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
    let events = state().events.filter(
      (e) =>
        (include.length === 0 || include.includes(e.event)) &&
        !exclude.includes(e.event) &&
        (!from || e.timestamp >= toIso(from)) &&
        (!to || e.timestamp <= toIso(to)),
    );
    events = [...events].sort(
      (a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0) * (desc ? -1 : 1),
    );
    const slice = events.slice((page - 1) * limit, page * limit).map((e) => ({
      event: e.event,
      ...(e.eventId ? { eventId: e.eventId } : {}),
      eventLabel: e.eventLabel,
      eventType: e.eventType,
      timestamp: `${e.timestamp.slice(0, 19)}+00:00`,
      contactId: String(e.contactId),
      details: e.details,
    }));
    res.json({
      events: slice,
      filters: {
        search: str(filters.search) ?? '',
        includeEvents: include,
        excludeEvents: exclude,
        ...(from ? { dateFrom: from } : {}),
        ...(to ? { dateTo: to } : {}),
      },
      order: [order[0] ?? 'timestamp', desc ? 'DESC' : 'ASC'],
      types: EVENT_TYPE_LABELS,
      total: events.length,
      page,
      limit,
      maxPages: Math.max(1, Math.ceil(events.length / limit)),
    });
  };
}

export function listStages({ state }: RouteDeps): Handler {
  return (_req, res) => {
    const stages = [...state().stages.values()].map(stageJson);
    res.json({ total: stages.length, stages });
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

export function addContactToStage({ state, now }: RouteDeps): Handler {
  return (req, res) => {
    const s = state();
    const stage = s.stages.get(Number(req.params.id));
    const contact = s.contacts.get(Number(req.params.contactId));
    if (!stage || !contact) return sendErrors(res, 404, NOT_FOUND);
    if (contact.stageId !== stage.id) {
      const before = contact.stageId === null ? null : s.stages.get(contact.stageId)?.name;
      contact.stageId = stage.id;
      contact.dateModified = seconds(now());
      s.addEvent({
        event: 'stage.changed',
        eventId: `stage.changed${s.nextEventSeq++}`,
        eventLabel: stage.name,
        eventType: 'Stage changed',
        timestamp: contact.dateModified,
        contactId: contact.id,
        details: { previous: before ?? null, stage: stage.name },
      });
    }
    res.json({ success: true });
  };
}

export function listFields({ state }: RouteDeps): Handler {
  return (_req, res) => {
    const fields = [...state().fields.values()].map((f) => fieldJson(f));
    res.json({ total: fields.length, fields });
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
    const field = s.addField({ alias, label: b.label.trim(), type, group });
    res.status(201).json({ field: fieldJson(field) });
  };
}
