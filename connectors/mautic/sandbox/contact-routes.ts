/**
 * Contacts in Mautic's wire format: the list (search commands, `where[]`, order, `start`/`limit`,
 * contacts keyed by id, total as a string), one contact, and edits, the batch capped at 200.
 */
import { sendErrors } from './auth.ts';
import { FilterError, matchesSearch, matchesWhere, sortContacts } from './filters.ts';
import { list, parsePhpQuery, type PhpValue, str } from './php-params.ts';
import {
  BATCH_LIMIT,
  NOT_FOUND,
  batchLimitMessage,
  int,
  returnError,
  sendJson,
  type Handler,
  type RouteDeps,
} from './route-helpers.ts';
import { contactJson, orderedObject, phpIndexed } from './serialize.ts';
import { seconds, type FieldValue, type SandboxContact, type SandboxState } from './state.ts';

/** A recent query's contacts, as of `version`; `keeps` says whether a contact belongs. */
interface KeptList {
  version: number;
  rows: SandboxContact[];
  keeps: (c: SandboxContact) => boolean;
  /** Sorted by id alone (descending if `desc`): changed contacts can be moved, not sorted again. */
  byId: { desc: boolean } | null;
}

/** Queries a sync pages through at once (a window and its tie-break), with room to spare. */
const KEPT_MAX = 8;
/** More changes than this since a list was read: working it out again is cheaper than moving each. */
const MOVES_MAX = 2000;

/** The contact lists of recent queries, per sandbox state (a reset starts a new state). */
const kept = new WeakMap<SandboxState, Map<string, KeptList>>();

/**
 * A query's contacts, kept across pages: worked out once, and after a change either worked out
 * again or, for a list in id order, brought up to date by moving the contacts that changed.
 */
function keptList(
  s: SandboxState,
  key: string,
  shape: Omit<KeptList, 'version' | 'rows'>,
  compute: () => SandboxContact[],
): SandboxContact[] {
  let lists = kept.get(s);
  if (!lists) kept.set(s, (lists = new Map<string, KeptList>()));
  let list = lists.get(key);
  if (list && list.version !== s.version) {
    const changed = list.byId ? s.changesSince(list.version) : null;
    if (changed && changed.length <= MOVES_MAX) moveChanged(s, list, changed);
    else list = undefined;
  }
  if (!list) {
    list = { ...shape, version: s.version, rows: compute() };
    if (lists.size >= KEPT_MAX) lists.delete(lists.keys().next().value!);
    lists.set(key, list);
  }
  return list.rows;
}

function moveChanged(s: SandboxState, list: KeptList, changed: number[]): void {
  const desc = list.byId!.desc;
  const rows = list.rows;
  // The first position not before `id` in the list's order.
  const position = (id: number) => {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (desc ? rows[mid]!.id > id : rows[mid]!.id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (const id of new Set(changed)) {
    const at = position(id);
    if (rows[at]?.id === id) rows.splice(at, 1);
    const c = s.contacts.get(id);
    if (c && list.keeps(c)) rows.splice(position(id), 0, c);
  }
  list.version = s.version;
}

export function listContacts({ state }: RouteDeps): Handler {
  return (req, res) => {
    const q = parsePhpQuery(req.originalUrl);
    const s = state();
    let rows: SandboxContact[];
    let range: { from: number; to: number };
    try {
      const search = str(q.search);
      const orderBy = str(q.orderBy) ?? 'id';
      const dir = str(q.orderByDir) ?? 'ASC';
      // Ordered by id, the `id gt/gte/lt/lte` statements (a keyset sync's `id > last`) mark a run
      // of the id-sorted rows, found by bisection: the query without them is kept across pages.
      const byId = isIdOrder(orderBy);
      const bounds = byId ? list(q.where).filter(isIdBound) : [];
      const where = list(q.where).filter((w) => !bounds.includes(w));
      const desc = dir.toLowerCase() === 'desc';
      // A sync pages through one query: it is filtered and sorted once, then sliced per page.
      const keeps = (c: SandboxContact) =>
        (!search || matchesSearch(c, search)) && where.every((w) => matchesWhere(c, w));
      rows = keptList(
        s,
        JSON.stringify([search ?? '', where, orderBy, dir]),
        { keeps, byId: byId ? { desc } : null },
        () => {
          let all = [...s.contacts.values()];
          if (search) all = all.filter((c) => matchesSearch(c, search));
          for (const statement of where) all = all.filter((c) => matchesWhere(c, statement));
          // Contacts are kept in id order (ids only grow), so an id order rarely needs the sort.
          if (byId && isAscendingById(all)) return desc ? all.reverse() : all;
          return sortContacts(all, orderBy, dir);
        },
      );
      range = idRange(rows, bounds, desc);
    } catch (err) {
      if (err instanceof FilterError) return sendErrors(res, 400, err.message);
      throw err;
    }
    const start = int(q.start, 0);
    const limit = int(q.limit, 30);
    const page = rows.slice(range.from + start, Math.min(range.to, range.from + start + limit));
    const contacts = orderedObject(page.map((c) => [c.id, contactJson(c, s)]));
    // Mautic's paginator count comes back as a string.
    sendJson(res, 200, `{"total":${JSON.stringify(String(range.to - range.from))},"contacts":${contacts}}`);
  };
}

/** `orderBy` naming the id alone (with or without a table alias), which sortContacts orders by id. */
function isIdOrder(orderBy: string): boolean {
  const cols = orderBy
    .split(',')
    .map((c) => c.trim().replace(/^[a-z]+\./, ''))
    .filter(Boolean);
  return cols.length === 0 || (cols.length === 1 && cols[0] === 'id');
}

/** A well-formed `id gt|gte|lt|lte <number>` statement: true for one run of ids, in id order. */
function isIdBound(w: PhpValue): boolean {
  if (typeof w !== 'object' || Array.isArray(w)) return false;
  const col = str(w.col)?.replace(/^[a-z]+\./, '');
  const val = str(w.val);
  return (
    col === 'id' &&
    ['gt', 'gte', 'lt', 'lte'].includes(str(w.expr) ?? '') &&
    val !== undefined &&
    val.trim() !== '' &&
    Number.isFinite(Number(val))
  );
}

function isAscendingById(rows: SandboxContact[]): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i - 1]!.id >= rows[i]!.id) return false;
  return true;
}

/**
 * The run of `rows` (sorted by id, descending if `desc`) that every bound statement matches, found
 * by bisection: a lower bound (gt, gte) holds from some point on in ascending order, an upper
 * bound (lt, lte) up to some point.
 */
function idRange(rows: SandboxContact[], bounds: PhpValue[], desc: boolean): { from: number; to: number } {
  if (bounds.length === 0) return { from: 0, to: rows.length };
  const lower = bounds.filter((b) => ['gt', 'gte'].includes(str((b as Record<string, PhpValue>).expr) ?? ''));
  const upper = bounds.filter((b) => !lower.includes(b));
  const lowerOk = (i: number) => lower.every((b) => matchesWhere(rows[i]!, b));
  const upperOk = (i: number) => upper.every((b) => matchesWhere(rows[i]!, b));
  // The first index where `ok` holds, for an `ok` that is false and then true along `rows`.
  const first = (ok: (i: number) => boolean) => {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ok(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const from = desc ? first(upperOk) : first(lowerOk);
  const to = desc ? first((i) => !lowerOk(i)) : first((i) => !upperOk(i));
  return { from, to: Math.max(from, to) };
}

export function getContact({ state }: RouteDeps): Handler {
  return (req, res) => {
    const s = state();
    // A merged-away id answers the contact it was merged into (LeadModel::getEntity, Mautic 5).
    const c = s.resolve(Number(req.params.id));
    if (!c) return returnError(res, 404, NOT_FOUND);
    res.json({ contact: contactJson(c, s) });
  };
}

/** PHP's `is_numeric` for what JSON can carry (surrounding whitespace allowed since PHP 8). */
function isNumeric(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  return typeof v === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v);
}

/** Code points, like `mb_strlen` in Symfony's Length constraint. */
const mbLength = (text: string) => [...text].length;

/** Symfony's Length `maxMessage` (validators.en.xlf), as Mautic prefixes it with the field alias. */
export function tooLongMessage(limit: number): string {
  return `This value is too long. It should have ${limit} character${limit === 1 ? '' : 's'} or less.`;
}

type FieldErrors = Record<string, string[]>;

/**
 * Applies one PATCH's field values the way Mautic 5.1 does (`CommonApiController::processForm`, then
 * `CustomFieldsApiControllerTrait::setCustomFieldValues`, then `LeadModel::setFieldValues`):
 * - the contact form validates each value first: a text field's `charLengthLimit` and TextType's
 *   191 (EntityFieldsBuildFormTrait.php); any violation fails the whole contact with a 400;
 * - on POST/PATCH every numeric value whose integer part is 0 is dropped (`0 !== (int) $value`), so
 *   0, "0", 0.4 and -0.9 never arrive;
 * - empty values (`null == $v || '' == $v`) are skipped unless the item sets `overwriteWithBlank`;
 * - keys that are not fields are ignored (the form allows extra fields).
 * Returns the form errors by alias, or null.
 */
function applyFields(
  s: SandboxState,
  target: Record<string, FieldValue>,
  input: Record<string, unknown>,
): FieldErrors | null {
  const overwriteWithBlank = Boolean(input.overwriteWithBlank) && input.overwriteWithBlank !== '0';
  const errors: FieldErrors = {};
  const changes: [string, FieldValue][] = [];
  for (const [alias, raw] of Object.entries(input)) {
    const field = s.fieldByAlias(alias);
    if (!field) continue;
    const text =
      raw === null || raw === undefined
        ? ''
        : typeof raw === 'string'
          ? raw
          : typeof raw === 'number' || typeof raw === 'boolean'
            ? String(raw)
            : JSON.stringify(raw);
    if (field.type === 'number' && text.trim() !== '' && !isNumeric(text)) {
      errors[alias] = ['This value is not valid.'];
      continue;
    }
    const limits = [field.charLengthLimit ?? 0, field.type === 'text' ? 191 : 0].filter((n) => n > 0);
    const max = limits.length > 0 ? Math.min(...limits) : Infinity;
    if (field.type !== 'number' && field.type !== 'boolean' && mbLength(text) > max) {
      errors[alias] = [tooLongMessage(max)];
      continue;
    }
    if (isNumeric(raw) && Math.trunc(Number(raw)) === 0) continue;
    const value: FieldValue =
      text.trim() === ''
        ? null
        : field.type === 'number'
          ? Number(text)
          : field.type === 'boolean'
            ? ['1', 'true'].includes(text)
              ? 1
              : 0
            : text;
    if (value === null && !overwriteWithBlank) continue;
    changes.push([alias, value]);
  }
  if (Object.keys(errors).length > 0) return errors;
  for (const [alias, value] of changes) target[alias] = value;
  return null;
}

/** `FormErrorMessagesTrait::getFormErrorMessage`: `alias: message, alias: message`. */
function formErrorMessage(errors: FieldErrors): string {
  return Object.entries(errors)
    .map(([alias, messages]) => `${alias}: ${messages.join(', ')}`)
    .join(', ');
}

/**
 * `PATCH /api/contacts/batch/edit` (`CommonApiController::editEntitiesAction`): more than
 * `api_batch_max_limit` (200) items is `returnError()` with its default status, 500; otherwise
 * contacts, statusCodes and errors keyed by request index.
 * @see https://github.com/mautic/mautic/blob/5.1/app/bundles/ApiBundle/Controller/FetchCommonApiController.php
 */
export function batchEditContacts({ state, now, stageInEdit }: RouteDeps): Handler {
  return (req, res) => {
    const s = state();
    const body: unknown = req.body;
    const items = Array.isArray(body) ? body : body && typeof body === 'object' ? Object.values(body) : [];
    if (items.length > BATCH_LIMIT) {
      returnError(res, 500, batchLimitMessage(BATCH_LIMIT));
      return;
    }
    const contacts: [number, unknown][] = [];
    const codes: [number, unknown][] = [];
    const errors: [number, unknown][] = [];
    items.forEach((item: unknown, index) => {
      const params = (item ?? {}) as Record<string, unknown>;
      const c = s.contacts.get(Number(params.id));
      if (!c) {
        errors.push([index, { code: 404, message: NOT_FOUND, details: [], type: null }]);
        codes.push([index, 404]);
        return;
      }
      const next = { ...c.fields };
      const fieldErrors =
        params.stage !== undefined && !stageInEdit()
          ? { stage: ['This form should not contain extra fields.'] }
          : applyFields(s, next, params);
      if (fieldErrors) {
        errors.push([
          index,
          { code: 400, message: formErrorMessage(fieldErrors), details: fieldErrors, type: null },
        ]);
        codes.push([index, 400]);
        return;
      }
      let changed = JSON.stringify(next) !== JSON.stringify(c.fields);
      if (params.stage !== undefined && params.stage !== null) {
        // LeadApiController::preSaveEntity: `getEntity((int) stage)`; an unknown id is null, which
        // clears the contact's stage.
        const stage = s.stages.get(Math.trunc(Number(params.stage)));
        const stageId = stage ? stage.id : null;
        changed ||= stageId !== c.stageId;
        c.stageId = stageId;
      }
      if (changed) {
        c.fields = next;
        c.dateModified = seconds(now());
      }
      s.changed(c.id);
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
    // A merged-away id answers the contact it was merged into (LeadModel::getEntity, Mautic 5).
    const c = s.resolve(Number(req.params.id));
    if (!c) return returnError(res, 404, NOT_FOUND);
    const next = { ...c.fields };
    const errors = applyFields(s, next, (req.body ?? {}) as Record<string, unknown>);
    if (errors) return returnError(res, 400, formErrorMessage(errors), errors);
    c.fields = next;
    c.dateModified = seconds(now());
    s.changed(c.id);
    res.json({ contact: contactJson(c, s) });
  };
}
