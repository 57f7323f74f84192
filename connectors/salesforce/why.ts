/**
 * The handoff's explanation on the Lead or Contact: a Task (WhoId, Subject, Description) in the
 * rep's activity list, or a classic Note (ParentId, Title, Body). An existing one is updated by id
 * (update-by-id.ts); one a rep deleted is written anew. The Task's Status is set on creation only,
 * so a later handoff never reopens a Task the rep completed.
 */
import type { WhyNote, WhyResult } from '../../src/model.ts';
import type { SalesforceClient } from './client.ts';
import { COLLECTION_CHUNK } from './config.ts';
import type { SalesforceValue } from './mapping.ts';
import { parseResults, recordFailure } from './results.ts';
import { chunk } from './soql.ts';
import { updateById } from './update-by-id.ts';

/** Note.Title holds 80 characters; Task.Subject 255; Description and Body 32,000. */
const NOTE_TITLE_MAX = 80;
const BODY_MAX = 32_000;
/** The record behind the id is gone (deleted by a rep): write a new one. */
const GONE = new Set(['ENTITY_IS_DELETED', 'NOT_FOUND', 'INVALID_ID_FIELD', 'MALFORMED_ID']);

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

function fields(note: WhyNote, creating: boolean): Record<string, SalesforceValue> {
  if (note.as === 'note') {
    return {
      ...(creating ? { ParentId: note.recordId } : {}),
      Title: clip(note.subject, NOTE_TITLE_MAX),
      Body: clip(note.body, BODY_MAX),
    };
  }
  return {
    ...(creating ? { WhoId: note.recordId, Status: 'Not Started', Priority: 'Normal' } : {}),
    Subject: note.subject,
    Description: clip(note.body, BODY_MAX),
  };
}

const objectOf = (note: WhyNote) => (note.as === 'note' ? 'Note' : 'Task');

export async function writeWhyNotes(client: SalesforceClient, notes: WhyNote[]): Promise<WhyResult> {
  const out: WhyResult = { ok: [], failed: [] };
  const create: WhyNote[] = notes.filter((n) => !n.existingId);
  for (const object of ['Task', 'Note']) {
    const updates = notes.filter((n) => n.existingId && objectOf(n) === object);
    if (!updates.length) continue;
    const { ok, failed } = await updateById(
      client,
      object,
      updates.map((n) => ({ key: n.externalId, id: n.existingId!, fields: fields(n, false) })),
    );
    out.ok.push(...ok.map((u) => ({ externalId: u.key, id: u.id, created: false })));
    for (const f of failed) {
      if (GONE.has(f.code)) create.push(updates.find((n) => n.externalId === f.id)!);
      else out.failed.push(f);
    }
  }
  for (const part of ['Task', 'Note'].flatMap((o) =>
    chunk(
      create.filter((n) => objectOf(n) === o),
      COLLECTION_CHUNK,
    ),
  )) {
    const raw = await client.call('POST /composite/sobjects', (conn) =>
      conn.sobject(objectOf(part[0]!)).create(
        part.map((n) => fields(n, true)),
        { allOrNone: false },
      ),
    );
    parseResults(raw, part.length).forEach((res, i) => {
      const note = part[i]!;
      if (res.success && res.id) out.ok.push({ externalId: note.externalId, id: res.id, created: true });
      else {
        out.failed.push(
          recordFailure(note.externalId, res.errors[0] ?? { message: 'rejected without a reason' }),
        );
      }
    });
  }
  return out;
}
