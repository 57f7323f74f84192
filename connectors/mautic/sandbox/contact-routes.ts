/**
 * Contacts in Mautic's wire format: the list (search commands, `where[]`, order, `start`/`limit`,
 * contacts keyed by id, total as a string), one contact, and edits, the batch capped at 200.
 */
import { sendErrors } from './auth.ts';
import { FilterError, matchesSearch, matchesWhere, sortContacts } from './filters.ts';
import { list, parsePhpQuery, str } from './php-params.ts';
import { BATCH_LIMIT, NOT_FOUND, int, sendJson, type Handler, type RouteDeps } from './route-helpers.ts';
import { contactJson, orderedObject, phpIndexed } from './serialize.ts';
import { seconds, type FieldValue, type SandboxState } from './state.ts';

export function listContacts({ state }: RouteDeps): Handler {
  return (req, res) => {
    const q = parsePhpQuery(req.originalUrl);
    const s = state();
    let rows = [...s.contacts.values()];
    try {
      const search = str(q.search);
      if (search) rows = rows.filter((c) => matchesSearch(c, search));
      for (const statement of list(q.where)) rows = rows.filter((c) => matchesWhere(c, statement));
      rows = sortContacts(rows, str(q.orderBy) ?? 'id', str(q.orderByDir) ?? 'ASC');
    } catch (err) {
      if (err instanceof FilterError) return sendErrors(res, 400, err.message);
      throw err;
    }
    const start = int(q.start, 0);
    const limit = int(q.limit, 30);
    const page = rows.slice(start, start + limit);
    const contacts = orderedObject(page.map((c) => [c.id, contactJson(c, s)]));
    // Mautic's paginator count comes back as a string.
    sendJson(res, 200, `{"total":${JSON.stringify(String(rows.length))},"contacts":${contacts}}`);
  };
}

export function getContact({ state }: RouteDeps): Handler {
  return (req, res) => {
    const s = state();
    const c = s.contacts.get(Number(req.params.id));
    if (!c) return sendErrors(res, 404, NOT_FOUND);
    res.json({ contact: contactJson(c, s) });
  };
}

/** Applies field values the way Mautic's form does; returns an error message or null. */
function applyFields(
  s: SandboxState,
  target: Record<string, FieldValue>,
  input: Record<string, unknown>,
): string | null {
  const changes: [string, FieldValue][] = [];
  for (const [alias, raw] of Object.entries(input)) {
    const field = s.fieldByAlias(alias);
    if (!field) continue; // unknown keys are ignored (allow_extra_fields)
    // overwriteWithBlank is off: empty values are skipped.
    if (raw === null || raw === '' || raw === undefined) continue;
    if (field.type === 'number' && !Number.isFinite(Number(raw))) return `${alias}: This value is not valid.`;
    const text =
      typeof raw === 'string'
        ? raw
        : typeof raw === 'number' || typeof raw === 'boolean'
          ? String(raw)
          : JSON.stringify(raw);
    const value: FieldValue =
      field.type === 'number'
        ? Number(raw)
        : field.type === 'boolean'
          ? ['1', 'true'].includes(text)
            ? 1
            : 0
          : text;
    changes.push([alias, value]);
  }
  for (const [alias, value] of changes) target[alias] = value;
  return null;
}

export function batchEditContacts({ state, now }: RouteDeps): Handler {
  return (req, res) => {
    const s = state();
    const body: unknown = req.body;
    const items = Array.isArray(body) ? body : body && typeof body === 'object' ? Object.values(body) : [];
    if (items.length > BATCH_LIMIT) {
      // Mautic answers an oversized batch with returnError()'s default status, 500.
      return sendErrors(res, 500, `A maximum of ${BATCH_LIMIT} entities are supported for batch operations.`);
    }
    const contacts: [number, unknown][] = [];
    const codes: [number, unknown][] = [];
    const errors: [number, unknown][] = [];
    items.forEach((item: unknown, index) => {
      const params = (item ?? {}) as Record<string, unknown>;
      const c = s.contacts.get(Number(params.id));
      if (!c) {
        errors.push([index, { message: NOT_FOUND, code: 404, type: 'api' }]);
        codes.push([index, 404]);
        return;
      }
      const next = { ...c.fields };
      const error = applyFields(s, next, params);
      if (error) {
        errors.push([index, { code: 400, message: error, details: {}, type: null }]);
        codes.push([index, 400]);
        return;
      }
      let changed = JSON.stringify(next) !== JSON.stringify(c.fields);
      if ('stage' in params) {
        // Like LeadApiController::preSaveEntity: an unknown stage id clears the stage.
        const stage = s.stages.get(Number(params.stage));
        const stageId = stage ? stage.id : null;
        changed ||= stageId !== c.stageId;
        c.stageId = stageId;
      }
      if (changed) {
        c.fields = next;
        c.dateModified = seconds(now());
      }
      contacts.push([index, contactJson(c, s)]);
      codes.push([index, 200]);
    });
    const parts = [`"contacts":${phpIndexed(contacts)}`, `"statusCodes":${phpIndexed(codes)}`];
    if (errors.length > 0) parts.push(`"errors":${phpIndexed(errors)}`);
    sendJson(res, 200, `{${parts.join(',')}}`);
  };
}

export function editContact({ state, now }: RouteDeps): Handler {
  return (req, res) => {
    const s = state();
    const c = s.contacts.get(Number(req.params.id));
    if (!c) return sendErrors(res, 404, NOT_FOUND);
    const next = { ...c.fields };
    const error = applyFields(s, next, (req.body ?? {}) as Record<string, unknown>);
    if (error) return sendErrors(res, 400, error);
    c.fields = next;
    c.dateModified = seconds(now());
    res.json({ contact: contactJson(c, s) });
  };
}
