import { createHmac } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { signMauticWebhook, verifyMauticWebhook } from '../../../connectors/mautic/webhook.ts';
import { fixtureText } from './helpers.ts';

const secret = 'whsec-test';
const raw = fixtureText('webhook.lead-update.json');

describe('when verifying a Mautic webhook', () => {
  it('should accept the base64 HMAC-SHA256 of the raw body and return the contacts to re-qualify', () => {
    const signature = createHmac('sha256', secret).update(raw).digest('base64');
    expect(signMauticWebhook(raw, secret)).toBe(signature);
    expect(verifyMauticWebhook({ rawBody: Buffer.from(raw), signature, secret })).toStrictEqual({
      ok: true,
      contactIds: ['47', '52', '53'],
      deletedContactIds: ['60'],
    });
  });

  it('should reject a signature over a different body, a missing one, and a missing secret', () => {
    const signature = signMauticWebhook(raw, secret);
    const tampered = raw.replace('"id": 53', '"id": 54');
    expect(verifyMauticWebhook({ rawBody: tampered, signature, secret })).toStrictEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(
      verifyMauticWebhook({ rawBody: raw, signature: signMauticWebhook(raw, 'other'), secret }),
    ).toStrictEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyMauticWebhook({ rawBody: raw, signature: 'short', secret })).toStrictEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyMauticWebhook({ rawBody: raw, signature: undefined, secret })).toStrictEqual({
      ok: false,
      reason: 'missing_signature',
    });
    expect(verifyMauticWebhook({ rawBody: raw, signature, secret: undefined })).toStrictEqual({
      ok: false,
      reason: 'missing_secret',
    });
  });

  it('should report a correctly signed body that is not JSON', () => {
    const body = 'not json';
    expect(
      verifyMauticWebhook({ rawBody: body, signature: [signMauticWebhook(body, secret)], secret }),
    ).toStrictEqual({
      ok: false,
      reason: 'bad_payload',
    });
  });
});
