/**
 * SLAs over many syncs with a controllable clock. The model's SQL stage gives sales 24 business
 * hours (Monday–Friday 09:00–17:00 UTC) unless the Lead is worked. Instants by hand from the
 * calendar: 2026-03-06 is a Friday; a contact that becomes an SQL on Friday 16:00 has 1 hour that
 * day, 8 on Monday the 9th, 8 on Tuesday the 10th and 7 on Wednesday the 11th: due Wednesday
 * 2026-03-11 16:00. The breach goes to a local HTTP receiver exactly once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compileModelText } from '../../src/qualification/index.ts';
import type { Store } from '../../src/store/index.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';
import { sqlSlaModel } from '../helpers/sla-model.ts';

import { createHarness, type Harness } from './harness.ts';

const MODEL = `${sqlSlaModel('sla test', '{ event: meeting_booked }')}recycle:
  - { when: { property: sla_breached, equals: sql }, to: lead, from: [sql] }
`;
const RECYCLING = compileModelText(MODEL, 'sla.yaml');
const WATCHING = compileModelText(MODEL.replace(/recycle:[\s\S]*$/, ''), 'sla.yaml');

interface Receiver {
  url: string;
  bodies: { text: string; blocks?: unknown[] }[];
  /** Answers this many requests with 500 first. */
  failures: number;
  close(): Promise<void>;
}

async function receiver(): Promise<Receiver> {
  const r: Receiver = { url: '', bodies: [], failures: 0, close: () => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (r.failures > 0) {
        r.failures -= 1;
        res.writeHead(500).end('down');
        return;
      }
      r.bodies.push(JSON.parse(raw) as Receiver['bodies'][number]);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => new Promise((resolve) => server.close(() => resolve()));
  return r;
}

let t: TestStore;
let store: Store;
let hook: Receiver;
beforeAll(async () => {
  t = await openTestStore('postgres');
  store = t.store;
  hook = await receiver();
});
afterAll(async () => {
  await hook.close();
  await t.cleanup();
});

async function syncAt(h: Harness, iso: string) {
  h.clock.now = new Date(iso);
  return h.run({ slaWebhook: { url: hook.url, timeoutMs: 2_000 } });
}

describe('when an SQL waits for sales', () => {
  it('should find the breach at the 24th business hour, once, and send it once even after a failed delivery', async () => {
    hook.bodies.length = 0;
    const h = await createHarness(store, { model: WATCHING });
    h.source.setContact('late', { email: 'late@acme.io' });
    h.source.setContact('worked', { email: 'worked@acme.io' });
    for (const id of ['late', 'worked']) {
      h.source.addEvent({
        id: `m-${id}`,
        contactId: id,
        type: 'meeting_booked',
        at: '2026-03-06T15:00:00.000Z',
      });
    }
    const first = await syncAt(h, '2026-03-06T16:00:00.000Z');
    expect(first.stageChanges).toStrictEqual({ sql: 2 });
    // The deadline is a time-based change: the contact is due then.
    expect((await store.decisions.get(h.workspace.id, 'late'))!.nextChangeAt).toBe(
      '2026-03-11T16:00:00.000Z',
    );

    // Sales works one Lead on Monday; the sales status comes back with the next sync.
    h.crm.setLeadFacts(`hubspot:portal-1:worked`, { sales_status: 'working' }, '2026-03-09T10:00:00.000Z');
    for (const at of ['2026-03-07T10:00:00.000Z', '2026-03-09T12:00:00.000Z', '2026-03-10T17:00:00.000Z']) {
      expect((await syncAt(h, at)).slaBreaches).toBe(0);
    }
    expect((await syncAt(h, '2026-03-11T15:59:00.000Z')).slaBreaches).toBe(0);
    expect(hook.bodies).toHaveLength(0);

    hook.failures = 1;
    const due = await syncAt(h, '2026-03-11T16:00:00.000Z');
    expect(due).toMatchObject({ slaBreaches: 1, slaNotified: 0 });
    expect(due.warnings.join('\n')).toContain('SLA webhook answered HTTP 500');
    expect(due.warnings.join('\n')).not.toContain(hook.url);
    expect(hook.bodies).toHaveLength(0);

    const retried = await syncAt(h, '2026-03-12T09:00:00.000Z');
    expect(retried).toMatchObject({ slaBreaches: 0, slaNotified: 1 });
    for (const at of ['2026-03-12T12:00:00.000Z', '2026-03-16T09:00:00.000Z']) {
      expect(await syncAt(h, at)).toMatchObject({ slaBreaches: 0, slaNotified: 0 });
    }
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]!.text).toBe(
      `SLA breached in ${h.workspace.name}: late@acme.io (contact late) entered SQL Fri 6 Mar 16:00 UTC, ` +
        'sales had 24h of business hours (due Wed 11 Mar 16:00 UTC); still SQL; CRM record ' +
        `${h.crm.leads.get('hubspot:portal-1:late')!.crmId}.`,
    );
    expect(hook.bodies[0]!.blocks).toHaveLength(1);

    const breaches = await store.sla.recentBreaches(h.workspace.id);
    expect(
      breaches.map((b) => [b.contactId, b.stage, b.enteredAt, b.dueAt, b.notify, b.notifyAttempts]),
    ).toStrictEqual([['late', 'sql', '2026-03-06T16:00:00.000Z', '2026-03-11T16:00:00.000Z', 'sent', 2]]);
  });

  it('should recycle a breached SQL by the model rule on sla_breached in the run that finds the breach', async () => {
    const h = await createHarness(store, { model: RECYCLING });
    h.source.setContact('ignored', { email: 'ignored@acme.io' });
    h.source.addEvent({
      id: 'm1',
      contactId: 'ignored',
      type: 'meeting_booked',
      at: '2026-03-06T15:00:00.000Z',
    });
    await syncAt(h, '2026-03-06T16:00:00.000Z');
    const found = await syncAt(h, '2026-03-11T16:30:00.000Z');
    expect(found.slaBreaches).toBe(1);
    expect((await store.decisions.get(h.workspace.id, 'ignored'))!.stage).toBe('lead');
    expect(h.source.stageOf('ignored')).toBe('lead');
  });
});

describe('when many stays wait on their SLA', () => {
  it('should read them a page at a time, in stay order, each once', async () => {
    const h = await createHarness(store, { model: WATCHING });
    for (let i = 0; i < 5; i++) {
      h.source.setContact(`w${i}`, { email: `w${i}@acme.io` });
      h.source.addEvent({
        id: `m-w${i}`,
        contactId: `w${i}`,
        type: 'meeting_booked',
        at: '2026-03-06T15:00:00.000Z',
      });
    }
    await syncAt(h, '2026-03-06T16:00:00.000Z');
    const since = new Date('2026-03-01T00:00:00.000Z');
    const pages: string[][] = [];
    for (let afterId: string | undefined; ;) {
      const page = await store.sla.watched(h.workspace.id, ['sql'], since, {
        limit: 2,
        ...(afterId ? { afterId } : {}),
      });
      if (page.length === 0) break;
      afterId = page[page.length - 1]!.stayId;
      pages.push(page.map((s) => s.contactId));
    }
    expect(pages.map((p) => p.length)).toStrictEqual([2, 2, 1]);
    expect(pages.flat().sort()).toStrictEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
  });
});
