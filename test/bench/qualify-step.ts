/**
 * `npm run bench:qualify -- --contacts N --backend postgres|pglite`: the qualify step alone on a
 * freshly loaded store, as an initial sync leaves it (no statistics yet on a new PostgreSQL schema).
 * Contacts and events are stored the way the pull steps store them (pages of 100), then every
 * contact is qualified, decided and given its first stage stay, and every decision is written back to
 * a source that answers at once. Prints load, qualify and the write-back's store seconds.
 */

import type { Contact, EngagementEvent } from '../../src/model.ts';
import type { SourceConnector } from '../../src/pipeline/ports.ts';
import { qualifyContacts } from '../../src/pipeline/steps/qualify.ts';
import { writeBack } from '../../src/pipeline/steps/write-back.ts';
import { DEFAULT_PRESET, loadModel } from '../../src/qualification/index.ts';
import { benchArgs, openBenchStore, qualifyContext } from './bench-store.ts';
import { benchContacts, BENCH_NOW } from './contacts.ts';

const PAGE = 100;

const { count, backend } = benchArgs(10_000);

const { store, drop } = await openBenchStore(backend);
try {
  const { source, model } = await loadModel(`preset:${DEFAULT_PRESET}`);
  const workspace = await store.workspaces.create({
    name: 'bench',
    sourceVendor: 'hubspot',
    model: { text: source.text, ref: source.ref, version: model.version },
  });
  const inputs = benchContacts(count);
  const loadStart = performance.now();
  for (let i = 0; i < inputs.length; i += PAGE) {
    const page = inputs.slice(i, i + PAGE);
    const contacts: Contact[] = page.map((c) => ({
      id: c.id,
      properties: c.properties,
      updatedAt: BENCH_NOW.toISOString(),
    }));
    const events: EngagementEvent[] = page.flatMap((c) =>
      c.events.map((e, k) => ({
        id: `${c.id}-${k}`,
        contactId: c.id,
        type: e.type,
        at: e.at,
        properties: e.properties ?? {},
      })),
    );
    await store.contacts.upsert(workspace.id, contacts);
    await store.contacts.insertEvents(workspace.id, events);
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;

  const ctx = qualifyContext(store, workspace, model);
  const t = performance.now();
  const qualified = await qualifyContacts(ctx, { all: true });
  const qualifySeconds = (performance.now() - t) / 1000;
  // The write-back's own store work (pending pages, marking written), against a source that
  // answers every batch at once: what each vendor batch costs besides the call.
  ctx.source = {
    writeBack: (changes) => Promise.resolve({ ok: changes.map((c) => c.contactId), failed: [] }),
  } as Pick<SourceConnector, 'writeBack'> as SourceConnector;
  const w = performance.now();
  const { sent } = await writeBack(ctx);
  const writeBackSeconds = (performance.now() - w) / 1000;
  console.log(
    JSON.stringify({
      backend,
      contacts: count,
      qualified,
      written: sent,
      loadSeconds: +loadSeconds.toFixed(2),
      qualifySeconds: +qualifySeconds.toFixed(2),
      writeBackStoreSeconds: +writeBackSeconds.toFixed(2),
    }),
  );
} finally {
  await drop();
}
