/**
 * A workspace's own SLA webhook URL (`settings.sla.webhookUrl`): https only (plain http to this
 * machine for sandboxes and tests), refusals that name the field and never the value, the
 * deployment's `LEADSTAGE_SLA_WEBHOOK_URL` as the default, and only the host ever shown.
 */
import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  maskWebhookUrl,
  parseSlaWebhookUrl,
  slaWebhookFor,
  slaWebhookView,
  withSlaWebhookUrl,
} from '../../../src/sla/webhook.ts';
import { createSealer } from '../../../src/store/encryption.ts';

const SLACK = 'https://hooks.slack.com/services/T0AAA/B0BBB/secretTOKEN';

describe('when a workspace webhook URL is given', () => {
  it('should take https anywhere and http only to this machine', () => {
    expect(parseSlaWebhookUrl(SLACK)).toBe(SLACK);
    expect(parseSlaWebhookUrl('http://127.0.0.1:4555/hook')).toBe('http://127.0.0.1:4555/hook');
    expect(parseSlaWebhookUrl('http://localhost:8080/x')).toBe('http://localhost:8080/x');
    expect(parseSlaWebhookUrl('http://[::1]:9/x')).toBe('http://[::1]:9/x');
  });

  it('should remove it for off, empty or null', () => {
    for (const v of ['off', '', '  ', null]) expect(parseSlaWebhookUrl(v)).toBeNull();
  });

  it('should refuse plain http to another host, naming the field and not the value', () => {
    const attempt = () => parseSlaWebhookUrl('http://hooks.example.com/services/T1/B2/plainTOKEN');
    expect(attempt).toThrow(/^settings\.sla\.webhookUrl: must be an https URL/);
    expect(attempt).not.toThrow(/plainTOKEN/);
    // 127.0.0.1.example.com is not loopback.
    expect(() => parseSlaWebhookUrl('http://127.0.0.1.example.com/x')).toThrow(/must be an https URL/);
  });

  it('should refuse what is not a URL, another scheme, a user in the URL, or a number', () => {
    expect(() => parseSlaWebhookUrl('hooks.slack.com/secretTOKEN')).toThrow(
      'settings.sla.webhookUrl: is not a URL (the value is not shown: it is a credential)',
    );
    expect(() => parseSlaWebhookUrl('ftp://files.example.com/x')).toThrow(/must be an https URL/);
    expect(() => parseSlaWebhookUrl('https://u:p@hooks.example.com/x')).toThrow(/user name or password/);
    expect(() => parseSlaWebhookUrl(42)).toThrow('settings.sla.webhookUrl: must be a URL or off');
    expect(() => parseSlaWebhookUrl(`https://a.example/${'x'.repeat(2048)}`)).toThrow(/at most 2048/);
  });
});

describe('where a workspace breaches are sent', () => {
  const env = { LEADSTAGE_SLA_WEBHOOK_URL: 'https://env.example.com/hook/envTOKEN' };
  const sealer = createSealer(randomBytes(32));
  const box = (context: string) => ({
    seal: (t: string) => sealer.seal(t, context),
    open: (t: string) => sealer.open(t, context),
  });

  it("should keep the workspace's URL sealed, and use it before the deployment's, with the deployment's timeout", () => {
    const settings = withSlaWebhookUrl({ handoff: {} }, SLACK, box('ws-1'));
    const stored = (settings.sla as { webhook: { sealed: string; shown: string } }).webhook;
    expect(Object.keys(settings)).toStrictEqual(['handoff', 'sla']);
    expect(stored.shown).toBe('https://hooks.slack.com/…');
    expect(JSON.stringify(settings)).not.toContain('secretTOKEN');
    expect(
      slaWebhookFor(settings, box('ws-1'), { ...env, LEADSTAGE_SLA_WEBHOOK_TIMEOUT_MS: '1500' }),
    ).toStrictEqual({
      url: SLACK,
      timeoutMs: 1500,
    });
    // Sealed for one workspace, it does not open for another.
    expect(() => slaWebhookFor(settings, box('ws-2'), env)).toThrow(/^settings\.sla\.webhookUrl: stored/);
  });

  it('should fall back to LEADSTAGE_SLA_WEBHOOK_URL once the workspace URL is removed, or send nowhere', () => {
    const set = withSlaWebhookUrl({ sla: { other: 1 } }, SLACK, box('ws-1'));
    const removed = withSlaWebhookUrl(set, null, box('ws-1'));
    expect(removed).toStrictEqual({ sla: { other: 1 } });
    expect(slaWebhookFor(removed, box('ws-1'), env)).toStrictEqual({
      url: env.LEADSTAGE_SLA_WEBHOOK_URL,
      timeoutMs: 5000,
    });
    expect(slaWebhookFor(removed, box('ws-1'), {})).toBeNull();
  });

  it('should show only the scheme and host, whichever the source', () => {
    expect(maskWebhookUrl(SLACK)).toBe('https://hooks.slack.com/…');
    expect(maskWebhookUrl('http://127.0.0.1:4555/a/b')).toBe('http://127.0.0.1:4555/…');
    const settings = withSlaWebhookUrl({}, SLACK, box('ws-1'));
    expect(slaWebhookView(settings, env)).toStrictEqual({
      source: 'workspace',
      shown: 'https://hooks.slack.com/…',
    });
    expect(slaWebhookView({}, env)).toStrictEqual({
      source: 'environment',
      shown: 'https://env.example.com/…',
    });
    expect(slaWebhookView({}, {})).toStrictEqual({ source: 'none' });
  });

  it('should refuse a stored URL that is no longer valid, naming the field', () => {
    const settings = {
      sla: { webhook: { sealed: box('ws-1').seal('http://hooks.example.com/x'), shown: 'x' } },
    };
    expect(() => slaWebhookFor(settings, box('ws-1'), {})).toThrow(
      /^settings\.sla\.webhookUrl: must be an https URL/,
    );
    expect(() => slaWebhookFor({ sla: { webhook: 'x' } }, box('ws-1'), {})).toThrow(
      'settings.sla.webhookUrl: the stored value is damaged; set it again',
    );
  });
});
