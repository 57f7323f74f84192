/**
 * HubSpot app webhooks (signature v3): HMAC-SHA256 of method + URI + raw body + timestamp with the
 * app's client secret, base64. The SDK's `Signature.isValid` compares with `===`; this compares in
 * constant time and also refuses timestamps from the future.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { z } from 'zod';

/** HubSpot's window: a request older than five minutes is refused. */
export const WEBHOOK_MAX_AGE_MS = 5 * 60_000;

const webhookEventSchema = z.looseObject({
  eventId: z.union([z.number(), z.string()]),
  subscriptionType: z.string(),
  objectId: z.union([z.number(), z.string()]),
  occurredAt: z.number().optional(),
  propertyName: z.string().optional(),
  primaryObjectId: z.union([z.number(), z.string()]).optional(),
  appId: z.union([z.number(), z.string()]).optional(),
  changeSource: z.string().optional(),
  sourceId: z.union([z.number(), z.string()]).nullish(),
});
const webhookBodySchema = z.array(webhookEventSchema);

export type HubspotWebhookEvent = z.infer<typeof webhookEventSchema>;

export interface HubspotWebhookRequest {
  method: string;
  /** The full URL HubSpot called, as received: `https://host/path?query`. */
  url: string;
  rawBody: string | Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export type WebhookVerdict =
  | { ok: true; contactIds: string[]; deletedContactIds: string[]; events: HubspotWebhookEvent[] }
  | { ok: false; status: 401 | 400; reason: string };

/**
 * HubSpot decodes these percent-escapes in the URI before signing (its "validating requests"
 * guide lists them), so the check does the same.
 */
const DECODED: [RegExp, string][] = [
  [/%3A/gi, ':'],
  [/%2F/gi, '/'],
  [/%3F/gi, '?'],
  [/%40/gi, '@'],
  [/%21/gi, '!'],
  [/%24/gi, '$'],
  [/%27/gi, "'"],
  [/%28/gi, '('],
  [/%29/gi, ')'],
  [/%2A/gi, '*'],
  [/%2C/gi, ','],
  [/%3B/gi, ';'],
];

function decodeUri(uri: string): string {
  return DECODED.reduce((u, [re, ch]) => u.replace(re, ch), uri);
}

export function signHubspotWebhookV3(
  secret: string,
  method: string,
  url: string,
  rawBody: string | Buffer,
  timestampMs: number,
): string {
  return createHmac('sha256', secret)
    .update(`${method.toUpperCase()}${decodeUri(url)}${rawBody.toString()}${timestampMs}`)
    .digest('base64');
}

function header(headers: HubspotWebhookRequest['headers'], name: string): string | undefined {
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  const v = entry?.[1];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A property change leadstage's own write-back made: HubSpot stamps a change made through an app's
 * token with the change source `INTEGRATION` and the app's id as its source id (the same pair the
 * property history shows), and `appId` is the app whose subscription sent the event, which is
 * leadstage's. Re-qualifying on it would only re-read what we wrote.
 * @see /work/shared/specs/API-NOTES.md §1.8 (payload fields); https://developers.hubspot.com/docs/api/webhooks
 */
export function isOwnWrite(e: HubspotWebhookEvent): boolean {
  return (
    e.subscriptionType === 'contact.propertyChange' &&
    e.changeSource === 'INTEGRATION' &&
    e.appId !== undefined &&
    e.sourceId !== undefined &&
    e.sourceId !== null &&
    String(e.sourceId) === String(e.appId)
  );
}

/**
 * Validates a v3-signed webhook and returns the contacts to re-qualify: not those whose events in
 * this delivery are all our own write-back (`isOwnWrite`).
 */
export function verifyHubspotWebhook(
  req: HubspotWebhookRequest,
  clientSecret: string,
  now: () => number = Date.now,
): WebhookVerdict {
  const signature = header(req.headers, 'x-hubspot-signature-v3');
  const timestamp = Number(header(req.headers, 'x-hubspot-request-timestamp'));
  if (!signature) return { ok: false, status: 401, reason: 'missing X-HubSpot-Signature-v3' };
  if (!Number.isFinite(timestamp)) {
    return { ok: false, status: 401, reason: 'missing X-HubSpot-Request-Timestamp' };
  }
  if (Math.abs(now() - timestamp) > WEBHOOK_MAX_AGE_MS) {
    return { ok: false, status: 401, reason: 'timestamp outside the 5-minute window' };
  }
  const expected = Buffer.from(
    signHubspotWebhookV3(clientSecret, req.method, req.url, req.rawBody, timestamp),
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, status: 401, reason: 'signature mismatch' };
  }

  let json: unknown;
  try {
    json = JSON.parse(req.rawBody.toString());
  } catch {
    return { ok: false, status: 400, reason: 'body is not JSON' };
  }
  const parsed = webhookBodySchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '(root)';
    return { ok: false, status: 400, reason: `unexpected webhook body at ${where}` };
  }
  const requalify = new Set<string>();
  const deleted = new Set<string>();
  for (const e of parsed.data) {
    if (!e.subscriptionType.startsWith('contact.') || isOwnWrite(e)) continue;
    if (e.subscriptionType === 'contact.deletion' || e.subscriptionType === 'contact.privacyDeletion') {
      deleted.add(String(e.objectId));
      continue;
    }
    // A merge keeps the primary record; the merged-away ids no longer exist.
    requalify.add(
      String(e.subscriptionType === 'contact.merge' ? (e.primaryObjectId ?? e.objectId) : e.objectId),
    );
  }
  for (const id of deleted) requalify.delete(id);
  return { ok: true, contactIds: [...requalify], deletedContactIds: [...deleted], events: parsed.data };
}
