import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Credentials } from '../../src/pipeline/ports.ts';
import { loadMigrations, schemaVersion, type Store } from '../../src/store/index.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/db.ts';
import { decision } from '../helpers/decisions.ts';

const MODEL = { text: 'name: t', ref: 'preset:t', version: 'v1' };
let seq = 0;
const uniqueName = () => `ws-${Date.now().toString(36)}-${seq++}`;

describe.each(BACKENDS)('store on %s', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend);
    store = t.store;
  });
  afterAll(async () => {
    await t.cleanup();
  });

  const workspace = () =>
    store.workspaces.create({
      name: uniqueName(),
      sourceVendor: 'hubspot',
      crmVendor: 'salesforce',
      model: MODEL,
    });

  describe('when the store opens', () => {
    it('should have applied every migration and record the schema version', async () => {
      const versions = (await loadMigrations()).map((m) => m.version);
      expect(store.applied.map((m) => m.version)).toStrictEqual(versions);
      expect(versions).toContain(4);
      expect(await schemaVersion(store.db)).toBe(versions[versions.length - 1]);
    });
  });

  describe('when workspaces are created', () => {
    it('should find a workspace by id and by name and refuse a duplicate name', async () => {
      const ws = await workspace();
      expect(ws.scheduleIntervalMinutes).toBe(15);
      expect((await store.workspaces.get(ws.name))?.id).toBe(ws.id);
      expect((await store.workspaces.get(ws.id))?.name).toBe(ws.name);
      await expect(
        store.workspaces.create({ name: ws.name, sourceVendor: 'mautic', model: MODEL }),
      ).rejects.toThrow(/already exists/);
    });

    it('should reject a name that is not a plain identifier, naming the field', async () => {
      await expect(
        store.workspaces.create({ name: 'has space', sourceVendor: 'hubspot', model: MODEL }),
      ).rejects.toThrow(/workspace name "has space"/);
    });

    it('should delete a workspace with everything stored for it', async () => {
      const ws = await workspace();
      await store.contacts.upsert(ws.id, [{ id: 'a', properties: {}, updatedAt: '2026-01-01T00:00:00Z' }]);
      await store.decisions.save(ws.id, [decision('a', 'lead')], new Date('2026-01-01T00:00:00Z'));
      await store.cursors.set({ kind: 'workspace', id: ws.id }, 'contacts', { page: 1 });
      expect(await store.workspaces.delete(ws.id)).toBe(true);
      expect(await store.workspaces.get(ws.id)).toBeNull();
      expect(await store.contacts.count(ws.id)).toBe(0);
      expect(await store.decisions.history(ws.id, 'a')).toStrictEqual([]);
      expect(await store.cursors.list({ kind: 'workspace', id: ws.id })).toStrictEqual({});
    });

    it('should save a new model and keep the qualified version apart', async () => {
      const ws = await workspace();
      await store.workspaces.markQualified(ws.id, 'v1');
      const updated = await store.workspaces.setModel(ws.id, { text: 'x', ref: 'file.yaml', version: 'v2' });
      expect(updated.model).toStrictEqual({ text: 'x', ref: 'file.yaml', version: 'v2' });
      expect(updated.qualifiedModelVersion).toBe('v1');
    });
  });

  describe('when credentials are stored', () => {
    const creds: Credentials = {
      kind: 'oauth2',
      accessToken: 'at-secret-123',
      refreshToken: 'rt-secret-456',
      expiresAt: '2030-01-01T00:00:00.000Z',
    };

    it('should keep them encrypted at rest and decrypt them on read', async () => {
      const c = await store.connections.create({
        vendor: 'hubspot',
        baseUrl: 'https://api.hubapi.com',
        accountId: '42',
        credentials: creds,
      });
      const { rows } = await store.db.query<{ credentials_sealed: string }>(
        'SELECT credentials_sealed FROM connections WHERE id = $1',
        [c.id],
      );
      expect(rows[0]!.credentials_sealed).not.toContain('secret');
      expect(rows[0]!.credentials_sealed.startsWith('v1.')).toBe(true);
      expect(await store.connections.readCredentials(c.id)).toStrictEqual(creds);
      expect(c.expiresAt).toBe('2030-01-01T00:00:00.000Z');
      expect(c.hasCredentials).toBe(true);
    });

    it('should refuse a sealed value copied onto another connection without naming the token', async () => {
      const a = await store.connections.create({
        vendor: 'hubspot',
        baseUrl: 'https://a',
        credentials: creds,
      });
      const b = await store.connections.create({ vendor: 'hubspot', baseUrl: 'https://b' });
      await store.db.query(
        'UPDATE connections SET credentials_sealed = (SELECT credentials_sealed FROM connections WHERE id = $1) WHERE id = $2',
        [a.id, b.id],
      );
      const err = await store.connections.readCredentials(b.id).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/cannot be decrypted/);
      expect((err as Error).message).not.toContain('secret');
    });

    it('should mark a connection for reconnect and make it active again on new credentials', async () => {
      const c = await store.connections.create({
        vendor: 'salesforce',
        baseUrl: 'https://x',
        credentials: creds,
      });
      await store.connections.credentialStore(c.id).markNeedsReconnect('refresh token revoked');
      expect(await store.connections.get(c.id)).toMatchObject({
        status: 'needs_reconnect',
        statusMessage: 'refresh token revoked',
      });
      await store.connections.saveCredentials(c.id, { ...creds, accessToken: 'new' });
      expect(await store.connections.get(c.id)).toMatchObject({ status: 'active', statusMessage: null });
    });

    /**
     * A token refresh that takes a while and exchanges only a stale token ('old'), counting how many
     * run at once and how many exchanges happen.
     */
    const countingRefresh = () => {
      const r = {
        active: 0,
        maxActive: 0,
        exchanges: 0,
        refresh: async (current: Credentials): Promise<Credentials> => {
          r.active += 1;
          r.maxActive = Math.max(r.maxActive, r.active);
          await new Promise((done) => setTimeout(done, 50));
          r.active -= 1;
          if (current.kind === 'oauth2' && current.accessToken !== 'old') return current;
          r.exchanges += 1;
          return { ...creds, accessToken: 'fresh' };
        },
      };
      return r;
    };

    it('should run concurrent refreshes one at a time, the later one seeing the fresh token', async () => {
      const c = await store.connections.create({
        vendor: 'hubspot',
        baseUrl: 'https://x',
        credentials: { ...creds, accessToken: 'old' },
      });
      const others = backend === 'postgres' ? [store, await t.openAnother()] : [store, store];
      const r = countingRefresh();
      const results = await Promise.all(
        others.map((s) => s.connections.credentialStore(c.id).refresh(r.refresh)),
      );
      expect(r.maxActive).toBe(1);
      expect(r.exchanges).toBe(1);
      expect(results.map((r) => (r.kind === 'oauth2' ? r.accessToken : null))).toStrictEqual([
        'fresh',
        'fresh',
      ]);
      expect(await store.connections.readCredentials(c.id)).toMatchObject({ accessToken: 'fresh' });
    });

    it('should run concurrent refreshes one at a time inside one transaction too', async () => {
      // A dry run refreshes inside its rolled-back transaction, where the pulls of contacts and
      // engagement run at once: a vendor that rotates refresh tokens (Mautic) refuses the second
      // exchange of the same token, so the later refresh must see the first one's token.
      const c = await store.connections.create({
        vendor: 'mautic',
        baseUrl: 'https://x',
        credentials: { ...creds, accessToken: 'old' },
      });
      const r = countingRefresh();
      await store.rolledBack((tx) =>
        Promise.all([1, 2].map(() => tx.connections.credentialStore(c.id).refresh(r.refresh))),
      );
      expect(r.maxActive).toBe(1);
      expect(r.exchanges).toBe(1);
    });
  });

  describe('when a long-running lock is taken', () => {
    it('should give it to one holder at a time until released', async () => {
      const other = backend === 'postgres' ? await t.openAnother() : store;
      const release = await store.db.tryLock('test:lock');
      expect(release).not.toBeNull();
      expect(await other.db.tryLock('test:lock')).toBeNull();
      await release!();
      const again = await other.db.tryLock('test:lock');
      expect(again).not.toBeNull();
      await again!();
    });
  });

  describe('when contacts and events arrive', () => {
    it('should flag new and changed contacts only', async () => {
      const ws = await workspace();
      const at = '2026-01-01T00:00:00.000Z';
      expect(
        await store.contacts.upsert(ws.id, [
          { id: 'a', properties: { x: 1 }, updatedAt: at },
          { id: 'b', properties: {}, updatedAt: at },
        ]),
      ).toStrictEqual(['a', 'b']);
      await store.contacts.markQualified(ws.id, ['a', 'b']);
      expect(
        await store.contacts.upsert(ws.id, [
          { id: 'a', properties: { x: 1 }, updatedAt: at },
          { id: 'b', properties: { y: 2 }, updatedAt: at },
        ]),
      ).toStrictEqual(['b']);
      expect((await store.contacts.page(ws.id, { pendingOnly: true })).map((c) => c.id)).toStrictEqual(['b']);
    });

    it('should store each vendor event once and say how many were new', async () => {
      const ws = await workspace();
      const ev = (id: string, at: string) => ({ id, contactId: 'a', type: 'email_open', at, properties: {} });
      expect(
        await store.contacts.insertEvents(ws.id, [
          ev('e1', '2026-01-02T00:00:00Z'),
          ev('e2', '2026-01-01T00:00:00Z'),
        ]),
      ).toStrictEqual({ inserted: 2, contactIds: ['a'] });
      expect(
        await store.contacts.insertEvents(ws.id, [
          ev('e1', '2026-01-02T00:00:00Z'),
          ev('e3', '2026-01-03T00:00:00Z'),
        ]),
      ).toStrictEqual({ inserted: 1, contactIds: ['a'] });
      const events = (await store.contacts.eventsFor(ws.id, ['a'])).get('a')!;
      expect(events.map((e) => e.id)).toStrictEqual(['e2', 'e1', 'e3']);
    });

    it("should read each contact's latest events only, keeping every event tied with the last one kept", async () => {
      const ws = await workspace();
      const ev = (contactId: string, id: string, at: string) => ({
        id,
        contactId,
        type: 'page_view',
        at,
        properties: {},
      });
      await store.contacts.insertEvents(ws.id, [
        ev('a', 'a1', '2026-01-01T00:00:00.000Z'),
        ev('a', 'a2', '2026-01-02T00:00:00.000Z'),
        ev('a', 'a3y', '2026-01-03T00:00:00.000Z'),
        ev('a', 'a3x', '2026-01-03T00:00:00.000Z'),
        ev('a', 'a4', '2026-01-04T00:00:00.000Z'),
        ev('b', 'b1', '2026-01-01T00:00:00.000Z'),
        ev('c', 'c1', '2026-01-01T00:00:00.000Z'),
      ]);
      // Two per contact: a4, then a3x and a3y tied for second (both kept, a2 and a1 not); b's one.
      const latest = await store.contacts.latestEventsFor(ws.id, ['a', 'b'], 2);
      expect([...latest.keys()].sort()).toStrictEqual(['a', 'b']);
      expect(latest.get('a')!.map((e) => e.id)).toStrictEqual(['a3x', 'a3y', 'a4']);
      expect(latest.get('b')!.map((e) => e.id)).toStrictEqual(['b1']);
      expect(
        (await store.contacts.latestEventsFor(ws.id, ['a'], 1)).get('a')!.map((e) => e.id),
      ).toStrictEqual(['a4']);
      expect(await store.contacts.latestEventsFor(ws.id, ['a'], 0)).toStrictEqual(new Map());
    });

    it('should merge sales facts and flag the contact only when a fact changed', async () => {
      const ws = await workspace();
      await store.contacts.upsert(ws.id, [
        { id: 'a', properties: { sales_status: 'from-source' }, updatedAt: '2026-01-01T00:00:00Z' },
      ]);
      await store.contacts.markQualified(ws.id, ['a']);
      expect(await store.contacts.mergeSalesFacts(ws.id, 'a', { sales_status: 'working' })).toBe(true);
      await store.contacts.markQualified(ws.id, ['a']);
      expect(await store.contacts.mergeSalesFacts(ws.id, 'a', { sales_status: 'working' })).toBe(false);
      expect((await store.contacts.get(ws.id, 'a'))?.salesFacts).toStrictEqual({ sales_status: 'working' });
    });
  });

  describe('when decisions are saved', () => {
    it('should keep the stage history with entry and exit times', async () => {
      const ws = await workspace();
      await store.contacts.upsert(ws.id, [{ id: 'a', properties: {}, updatedAt: '2026-01-01T00:00:00Z' }]);
      const t1 = new Date('2026-01-01T00:00:00Z');
      const t2 = new Date('2026-01-05T00:00:00Z');
      expect(await store.decisions.save(ws.id, [decision('a', 'lead')], t1)).toStrictEqual([
        { contactId: 'a', from: null, to: 'lead' },
      ]);
      expect(await store.decisions.save(ws.id, [decision('a', 'lead', 20)], t2)).toStrictEqual([]);
      expect(await store.decisions.save(ws.id, [decision('a', 'mql', 60)], t2)).toStrictEqual([
        { contactId: 'a', from: 'lead', to: 'mql' },
      ]);
      expect(await store.decisions.history(ws.id, 'a')).toStrictEqual([
        { stage: 'lead', enteredAt: t1.toISOString(), exitedAt: t2.toISOString() },
        { stage: 'mql', enteredAt: t2.toISOString(), exitedAt: null },
      ]);
      expect(await store.decisions.countByStage(ws.id)).toStrictEqual({ mql: 1 });
    });

    it('should list a decision as a pending write until what was written matches it', async () => {
      const ws = await workspace();
      const at = new Date('2026-01-01T00:00:00Z');
      await store.contacts.upsert(ws.id, [
        { id: 'a', properties: {}, stage: 'lead', updatedAt: at.toISOString() },
        { id: 'b', properties: {}, updatedAt: at.toISOString() },
      ]);
      await store.decisions.save(ws.id, [decision('a', 'mql', 60), decision('b', 'lead')], at);
      const pending = await store.decisions.pendingWrites(ws.id);
      expect(pending.map((p) => [p.contactId, p.stage, p.sourceStage])).toStrictEqual([
        ['a', 'mql', 'lead'],
        ['b', 'lead', null],
      ]);
      await store.decisions.markWritten(ws.id, [pending[0]!], at);
      expect((await store.decisions.pendingWrites(ws.id)).map((p) => p.contactId)).toStrictEqual(['b']);
      // The scores moved: a write is due again even though the stage did not change.
      await store.decisions.save(ws.id, [decision('a', 'mql', 70)], at);
      expect((await store.decisions.pendingWrites(ws.id)).map((p) => p.contactId)).toStrictEqual(['a', 'b']);
    });
  });

  describe('when contacts are handed off', () => {
    it('should link them, find the link by any CRM id and list only changed handoffs', async () => {
      const ws = await workspace();
      const at = new Date('2026-01-01T00:00:00Z');
      await store.contacts.upsert(
        ws.id,
        ['a', 'b', 'c'].map((id) => ({
          id,
          properties: { email: `${id}@x.io` },
          updatedAt: at.toISOString(),
        })),
      );
      await store.decisions.save(
        ws.id,
        [decision('a', 'sql'), decision('b', 'sql'), decision('c', 'lead')],
        at,
      );
      const pending = await store.links.pendingHandoffs(ws.id, ['sql', 'customer']);
      expect(pending.map((p) => [p.contactId, p.link])).toStrictEqual([
        ['a', null],
        ['b', null],
      ]);
      expect(pending[0]!.properties).toStrictEqual({ email: 'a@x.io' });
      await store.links.recordHandoffs(
        ws.id,
        [
          {
            contactId: 'a',
            externalId: 'hubspot:a',
            crmId: '00Q1',
            stage: 'sql',
            scores: { fit: 10, total: 10 },
          },
        ],
        at,
      );
      expect((await store.links.pendingHandoffs(ws.id, ['sql'])).map((p) => p.contactId)).toStrictEqual([
        'b',
      ]);
      await store.links.recordOutcome(ws.id, 'a', {
        crmObject: 'Lead',
        crmId: '00Q1',
        convertedContactId: '003X',
        convertedOpportunityId: '006Y',
      });
      for (const by of [
        { externalId: 'hubspot:a' },
        { crmId: '00Q1' },
        { crmId: '003X' },
        { crmId: '006Y' },
      ]) {
        expect((await store.links.find(ws.id, by))?.contactId).toBe('a');
      }
      expect(await store.links.find(ws.id, { crmId: 'nope' })).toBeNull();
      // Many at once, each answered in its place; the external id wins over a crm id naming another.
      await store.links.recordHandoffs(
        ws.id,
        [{ contactId: 'b', externalId: 'hubspot:b', crmId: '00Q2', stage: 'sql', scores: {} }],
        at,
      );
      expect(
        (
          await store.links.findMany(ws.id, [
            { crmId: '006Y' },
            { crmId: 'nope' },
            { externalId: 'hubspot:b', crmId: '00Q1' },
            { externalId: null, crmId: '003X' },
            { externalId: 'hubspot:zz', crmId: '00Q2' },
          ])
        ).map((l) => l?.contactId ?? null),
      ).toStrictEqual(['a', null, 'b', 'a', 'b']);
      expect(await store.links.findMany(ws.id, [])).toStrictEqual([]);
      // After conversion a later handoff answer names the contact: the link keeps the lead id.
      await store.links.recordHandoffs(
        ws.id,
        [{ contactId: 'a', externalId: 'hubspot:a', crmId: '003X', stage: 'sql', scores: {} }],
        at,
      );
      expect(await store.links.get(ws.id, 'a')).toMatchObject({
        crmId: '00Q1',
        convertedContactId: '003X',
        convertedOpportunityId: '006Y',
      });
    });
  });

  describe('when records keep failing', () => {
    it('should count tries, quarantine after the limit and forget them on success', async () => {
      const ws = await workspace();
      const at = new Date('2026-01-01T00:00:00Z');
      const fail = () =>
        store.recordErrors.recordFailures(
          ws.id,
          'write_back',
          [{ recordId: 'a', code: 'INVALID_EMAIL', message: 'bad email' }],
          { quarantineAfter: 3, at },
        );
      expect((await fail())[0]).toMatchObject({
        retryCount: 1,
        quarantined: false,
        vendorCode: 'INVALID_EMAIL',
      });
      await fail();
      expect((await fail())[0]).toMatchObject({ retryCount: 3, quarantined: true });
      expect(
        (await store.recordErrors.list(ws.id, { quarantined: true })).map((e) => e.recordId),
      ).toStrictEqual(['a']);
      await store.recordErrors.clear(ws.id, 'write_back', ['a']);
      expect(await store.recordErrors.list(ws.id)).toStrictEqual([]);
    });
  });

  describe('when cursors and runs are recorded', () => {
    it('should keep one cursor per owner and stream', async () => {
      const owner = { kind: 'workspace' as const, id: uniqueName() };
      expect(await store.cursors.get(owner, 'contacts')).toBeNull();
      await store.cursors.set(owner, 'contacts', { updatedAfter: '2026-01-01T00:00:00Z' });
      await store.cursors.set(owner, 'contacts', { updatedAfter: '2026-01-02T00:00:00Z' });
      await store.cursors.set(owner, 'engagement', { page: 3 });
      expect(await store.cursors.list(owner)).toStrictEqual({
        contacts: { updatedAfter: '2026-01-02T00:00:00Z' },
        engagement: { page: 3 },
      });
      await store.cursors.clear(owner, 'contacts');
      expect(await store.cursors.list(owner)).toStrictEqual({ engagement: { page: 3 } });
    });

    it('should record a run from start to finish', async () => {
      const ws = await workspace();
      const id = await store.runs.start(ws.id, { full: true, startedAt: new Date('2026-01-01T00:00:00Z') });
      expect((await store.runs.get(id))?.status).toBe('running');
      await store.runs.finish(id, {
        status: 'succeeded',
        finishedAt: new Date('2026-01-01T00:01:00Z'),
        counts: { qualified: 3 },
        apiCalls: { hubspot: 2 },
      });
      expect(await store.runs.list(ws.id)).toStrictEqual([
        {
          id,
          workspaceId: ws.id,
          kind: 'sync',
          full: true,
          status: 'succeeded',
          startedAt: '2026-01-01T00:00:00.000Z',
          finishedAt: '2026-01-01T00:01:00.000Z',
          counts: { qualified: 3 },
          apiCalls: { hubspot: 2 },
          error: null,
        },
      ]);
    });
  });
});
