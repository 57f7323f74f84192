/**
 * Incremental contact pull. Each run reads one window: contacts added or modified since the last
 * window's start (new contacts have no `date_modified` until their first edit, hence the OR on
 * `date_added`), paged by id with `id > last id` rather than by offset, so a contact edited while
 * we page can neither shift a page nor be skipped: the set only grows and ids never move. The next
 * window starts at the server's clock (`Date` header) when this one began, minus an overlap.
 * `contacts` comes back as an object keyed by id and `total` as a string: see wire.ts.
 *
 * The window's times are epoch milliseconds, not ISO strings, so the pipeline does not rewind them
 * by its own overlap (meant for search indexes that lag): Mautic has no index to lag. The list runs
 * `where` as SQL on the contact table (CommonRepository::buildWhereClauseFromArray) and a save stamps
 * `date_modified` with the PHP clock just before its commit (FormModel::setTimestamps, Mautic 5), so
 * `overlapSeconds` alone covers a save committed after a later one was read. With the pipeline's 15
 * minutes on top, a 15-minute schedule read each sync's own write-back twice; now it is read once,
 * by the next sync (whose upsert finds nothing changed), and an idle sync after that is one page.
 */
import type { Cursor, Page } from '../../src/pipeline/ports.ts';
import type { Contact } from '../../src/model.ts';
import type { MauticClient } from './client.ts';
import { parseMauticDate, toMauticDate } from './dates.ts';
import type { QueryValue } from './php-query.ts';
import { MauticApiError } from './errors.ts';
import { contactListSchema, contactOneSchema } from './wire.ts';
import type { MauticContact } from './wire.ts';

export interface ContactsCursor extends Cursor {
  /** Window start, epoch ms (older cursors hold ISO-8601, still read); null reads everything. */
  contactsSince: number | null;
  /** Start of the next window once this one is done, epoch ms; set by the first page of a window. */
  contactsNextSince: number | null;
  /** Highest contact id already read in this window. */
  contactsAfterId: number;
}

export interface ContactsStreamOptions {
  pageSize: number;
  overlapSeconds: number;
  now: () => Date;
  map: (c: MauticContact) => Contact;
}

/** `!is:anonymous`: visitors Mautic tracks without an identity have nothing to qualify. */
const IDENTIFIED_ONLY = '!is:anonymous';

/** Epoch ms from a cursor value: a number, or a date string as cursors saved before held. */
function epochMs(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return typeof v === 'string' ? (parseMauticDate(v)?.getTime() ?? null) : null;
}

function readCursor(since: Cursor | null): ContactsCursor {
  const s = epochMs(since?.contactsSince);
  const next = epochMs(since?.contactsNextSince);
  const after = Number(since?.contactsAfterId ?? 0);
  return { contactsSince: s, contactsNextSince: next, contactsAfterId: Number.isFinite(after) ? after : 0 };
}

export async function* pullContacts(
  client: MauticClient,
  since: Cursor | null,
  options: ContactsStreamOptions,
): AsyncGenerator<Page<Contact>> {
  const cursor = readCursor(since);
  const windowStart = cursor.contactsSince;
  let nextSince = cursor.contactsNextSince;
  let afterId = cursor.contactsAfterId;
  let emitted = 0;

  for (;;) {
    const where: QueryValue[] = [];
    if (windowStart !== null) {
      const from = toMauticDate(new Date(Math.max(0, windowStart)));
      where.push({
        expr: 'orX',
        val: [
          { col: 'date_added', expr: 'gte', val: from },
          { col: 'date_modified', expr: 'gte', val: from },
        ],
      });
    }
    where.push({ col: 'id', expr: 'gt', val: afterId });
    const { data, serverDate } = await client.request({
      method: 'GET',
      path: '/contacts',
      query: {
        search: IDENTIFIED_ONLY,
        start: 0,
        limit: options.pageSize,
        orderBy: 'id',
        orderByDir: 'asc',
        where,
      },
      schema: contactListSchema,
    });
    if (nextSince === null) {
      const origin = serverDate ?? options.now();
      nextSince = origin.getTime() - options.overlapSeconds * 1000;
    }
    // JSON objects keyed by numeric ids come back in id order, but sort anyway: it is the keyset.
    const rows = data.contacts.map(([, c]) => c).sort((a, b) => Number(a.id) - Number(b.id));
    const records = rows.map(options.map);
    // `total` counts every contact the query matches, this page's included; the query starts after
    // the last id read, so the whole pull is what came before plus this total.
    const total = emitted + data.total;
    emitted += rows.length;
    const last = rows.at(-1);
    if (last) afterId = Math.max(afterId, Number(last.id));

    if (rows.length < options.pageSize) {
      const done: ContactsCursor = { contactsSince: nextSince, contactsNextSince: null, contactsAfterId: 0 };
      yield { records, cursor: done, total };
      return;
    }
    const mid: ContactsCursor = {
      contactsSince: windowStart,
      contactsNextSince: nextSince,
      contactsAfterId: afterId,
    };
    yield { records, cursor: mid, total };
  }
}

/** Contacts by id through the `ids:` search command, 200 at a time; unknown ids are left out. */
export async function fetchContactsByIds(
  client: MauticClient,
  ids: string[],
  map: (c: MauticContact) => Contact,
): Promise<Contact[]> {
  const wanted = [...new Set(ids.filter((id) => /^\d+$/.test(id)))];
  const out: Contact[] = [];
  for (let i = 0; i < wanted.length; i += 200) {
    const chunk = wanted.slice(i, i + 200);
    const { data } = await client.request({
      method: 'GET',
      path: '/contacts',
      query: {
        search: `ids:${chunk.join(',')}`,
        start: 0,
        limit: chunk.length,
        orderBy: 'id',
        orderByDir: 'asc',
      },
      schema: contactListSchema,
    });
    for (const [, c] of data.contacts) out.push(map(c));
  }
  return out;
}

/**
 * What became of contacts Mautic reported deleted (`mautic.lead_post_delete`). Mautic has no merge
 * webhook: `ContactMerger::merge` saves the winner, records `contact_merge_records` (winner, merged
 * id) and then deletes the loser with `LeadModel::deleteEntity`, which fires the same deletion webhook
 * as a real delete. The two differ on the API: `GET /api/contacts/{id}` goes through
 * `LeadModel::getEntity`, which for a missing id answers the contact it was merged into
 * (`MergeRecordRepository::findMergedContact`), so a merged-away id returns the winner under the
 * winner's id, and a deleted one 404 (Mautic 5, app/bundles/LeadBundle/Model/LeadModel.php).
 * One call per id: deletions come a few at a time.
 */
export async function fateOfDeleted(
  client: MauticClient,
  ids: string[],
): Promise<Map<string, string | null>> {
  const fates = new Map<string, string | null>();
  for (const id of new Set(ids.filter((x) => /^\d+$/.test(x)))) {
    try {
      const { data } = await client.request({
        method: 'GET',
        path: `/contacts/${id}`,
        schema: contactOneSchema,
      });
      if (data.contact.id !== id) fates.set(id, data.contact.id);
    } catch (err) {
      if (err instanceof MauticApiError && err.status === 404) fates.set(id, null);
      else throw err;
    }
  }
  return fates;
}
