/**
 * A seed and an epoch give the same sandboxes on every start: two sandboxes started hours apart
 * with the same epoch serve identical contacts and events (same ids, same timestamps), and the
 * seeded data sits where the epoch puts it (creation within the year before, activity within the
 * 90 days before, nothing after).
 */
import { afterEach, describe, expect, it } from 'vitest';

import { instant } from '../../src/cli/options.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';

const DAY = 86_400_000;
const EPOCH = Date.parse('2026-01-05T09:00:00.000Z');

const started: SandboxServer[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.close();
});

async function start(clockMs: number, epoch?: number): Promise<SandboxServer> {
  const s = await startSandboxServer({
    port: 0,
    contacts: 80,
    seed: 9,
    now: () => clockMs,
    ...(epoch === undefined ? {} : { epoch }),
  });
  started.push(s);
  return s;
}

function hubspotData(s: SandboxServer) {
  const p = s.hubspot.portal;
  return { contacts: [...p.contacts.values()], email: p.emailEvents, web: p.webEvents };
}

function mauticData(s: SandboxServer) {
  const st = s.mautic.state();
  return { contacts: [...st.contacts.values()], events: st.events };
}

async function emailEventsOverHttp(s: SandboxServer): Promise<unknown> {
  const { accessToken } = s.hubspot.issueTokens();
  const res = await fetch(`${s.url}/hubspot/email/public/v1/events?limit=1000`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(res.status).toBe(200);
  return res.json();
}

describe('sandboxes started with the same seed and epoch', () => {
  it('serve identical data whenever they start, dated relative to the epoch', async () => {
    // Started 3 days and 40 days after the epoch: the clock differs, the data must not.
    const a = await start(EPOCH + 3 * DAY, EPOCH);
    const b = await start(EPOCH + 40 * DAY, EPOCH);
    expect(hubspotData(b)).toStrictEqual(hubspotData(a));
    expect(mauticData(b)).toStrictEqual(mauticData(a));
    expect(await emailEventsOverHttp(b)).toStrictEqual(await emailEventsOverHttp(a));

    const { contacts, email, web } = hubspotData(a);
    expect(email.length).toBeGreaterThan(0);
    for (const e of email) {
      expect(e.created).toBeLessThanOrEqual(EPOCH);
      expect(e.created).toBeGreaterThanOrEqual(EPOCH - 90 * DAY);
    }
    for (const e of web) expect(Date.parse(e.occurredAt)).toBeLessThanOrEqual(EPOCH);
    for (const c of contacts) {
      expect(Date.parse(c.createdAt)).toBeGreaterThanOrEqual(EPOCH - 365 * DAY);
      expect(Date.parse(c.createdAt)).toBeLessThanOrEqual(EPOCH);
    }
    for (const e of mauticData(a).events) expect(Date.parse(e.timestamp)).toBeLessThanOrEqual(EPOCH);

    // A reset reseeds from the epoch too, not from the clock.
    b.hubspot.reset();
    expect(hubspotData(b)).toStrictEqual(hubspotData(a));
  });

  it('without an epoch, seed from the clock at start (what the demo wants: fresh activity)', async () => {
    const a = await start(EPOCH + 3 * DAY);
    const b = await start(EPOCH + 40 * DAY);
    const shift = (s: SandboxServer) => s.hubspot.portal.emailEvents.map((e) => e.created);
    // Same events, each 37 days later.
    expect(shift(b)).toStrictEqual(shift(a).map((ms) => ms + 37 * DAY));
  });

  it('take --epoch as an ISO-8601 instant and name the option when it is not one', () => {
    expect(instant('--epoch', '2026-01-05T09:00:00Z')).toBe(EPOCH);
    expect(instant('--epoch', '2026-01-05')).toBe(Date.parse('2026-01-05T00:00:00.000Z'));
    expect(() => instant('--epoch', 'last tuesday')).toThrow(
      '--epoch must be an ISO-8601 instant such as 2026-01-05T09:00:00Z, got "last tuesday"',
    );
  });
});
