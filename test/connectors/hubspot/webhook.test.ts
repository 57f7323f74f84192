import { createHmac } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { signHubspotWebhookV3, verifyHubspotWebhook } from '../../../connectors/hubspot/webhook.ts';

const SECRET = 'app-client-secret';
const URL_AS_RECEIVED = 'https://leadstage.example/webhooks/hubspot?connection=c%3A1';
const NOW = 1_714_640_000_000;

const body = JSON.stringify([
  {
    eventId: 1,
    subscriptionId: 9,
    portalId: 62515,
    appId: 1,
    occurredAt: NOW,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: 51,
    propertyName: 'jobtitle',
    propertyValue: 'CEO',
    changeSource: 'CRM',
  },
  {
    eventId: 2,
    subscriptionId: 9,
    portalId: 62515,
    appId: 1,
    occurredAt: NOW,
    subscriptionType: 'contact.creation',
    attemptNumber: 0,
    objectId: 101,
    changeSource: 'FORM',
  },
  {
    eventId: 3,
    subscriptionId: 9,
    portalId: 62515,
    appId: 1,
    occurredAt: NOW,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: 51,
    propertyName: 'email',
    propertyValue: 'x@y.z',
    changeSource: 'CRM',
  },
  {
    eventId: 4,
    subscriptionId: 9,
    portalId: 62515,
    appId: 1,
    occurredAt: NOW,
    subscriptionType: 'contact.merge',
    attemptNumber: 0,
    objectId: 151,
    primaryObjectId: 201,
    mergedObjectIds: [151],
    changeSource: 'CRM',
  },
  {
    eventId: 5,
    subscriptionId: 9,
    portalId: 62515,
    appId: 1,
    occurredAt: NOW,
    subscriptionType: 'contact.deletion',
    attemptNumber: 0,
    objectId: 301,
    changeSource: 'CRM',
  },
  {
    eventId: 6,
    subscriptionId: 9,
    portalId: 62515,
    appId: 1,
    occurredAt: NOW,
    subscriptionType: 'deal.creation',
    attemptNumber: 0,
    objectId: 9001,
    changeSource: 'CRM',
  },
]);

function signed(timestamp = NOW, overrides: { body?: string; signature?: string } = {}) {
  // HubSpot signs the URI with these escapes decoded (`%3A` -> `:`).
  const source = `POST${URL_AS_RECEIVED.replace('%3A', ':')}${body}${timestamp}`;
  const signature = overrides.signature ?? createHmac('sha256', SECRET).update(source).digest('base64');
  return {
    method: 'POST',
    url: URL_AS_RECEIVED,
    rawBody: overrides.body ?? body,
    headers: { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': String(timestamp) },
  };
}

describe('verifyHubspotWebhook (signature v3)', () => {
  it('accepts a correctly signed request and returns the contacts to re-qualify, once each', () => {
    const verdict = verifyHubspotWebhook(signed(), SECRET, () => NOW + 1000);

    expect(verdict).toMatchObject({ ok: true, contactIds: ['51', '101', '201'], deletedContactIds: ['301'] });
  });

  it('signs the way it verifies (the sandbox sends webhooks with this)', () => {
    const signature = signHubspotWebhookV3(SECRET, 'POST', URL_AS_RECEIVED, body, NOW);
    expect(verifyHubspotWebhook(signed(NOW, { signature }), SECRET, () => NOW).ok).toBe(true);
  });

  it('refuses a tampered body', () => {
    const verdict = verifyHubspotWebhook(
      signed(NOW, { body: body.replace('"objectId":51', '"objectId":52') }),
      SECRET,
      () => NOW,
    );
    expect(verdict).toEqual({ ok: false, status: 401, reason: 'signature mismatch' });
  });

  it('refuses a signature made with another secret, even of a different length', () => {
    expect(verifyHubspotWebhook(signed(), 'another-secret', () => NOW).ok).toBe(false);
    expect(verifyHubspotWebhook(signed(NOW, { signature: 'short' }), SECRET, () => NOW).ok).toBe(false);
  });

  it('refuses a timestamp more than five minutes old or ahead', () => {
    expect(verifyHubspotWebhook(signed(NOW - 5 * 60_000 - 1), SECRET, () => NOW)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('5-minute'),
    });
    expect(verifyHubspotWebhook(signed(NOW + 5 * 60_000 + 1), SECRET, () => NOW).ok).toBe(false);
    expect(verifyHubspotWebhook(signed(NOW - 5 * 60_000), SECRET, () => NOW).ok).toBe(true);
  });

  it('refuses requests without the v3 headers', () => {
    const req = signed();
    expect(verifyHubspotWebhook({ ...req, headers: {} }, SECRET, () => NOW)).toMatchObject({
      ok: false,
      status: 401,
    });
  });
});
