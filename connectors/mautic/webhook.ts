/**
 * Mautic webhooks: `Webhook-Signature` is base64(HMAC-SHA256(secret, raw body)). Verify against the
 * raw bytes (not re-serialised JSON) in constant time, then collect the contacts the events concern.
 * The payload is an object keyed by event type (`mautic.lead_post_save_update`, `mautic.form_on_submit`,
 * …), each an array of events carrying the contact as `contact` or `lead`, or nested in `submission`,
 * `stat` or `hit`.
 * @see https://github.com/mautic/developer-documentation-new/tree/main/docs/webhooks
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAUTIC_SIGNATURE_HEADER = 'webhook-signature';

export type MauticWebhookResult =
  | {
      ok: true;
      /** Contacts to fetch and re-qualify. */
      contactIds: string[];
      /** Contacts Mautic deleted (`mautic.lead_post_delete`): nothing to re-qualify. */
      deletedContactIds: string[];
    }
  | { ok: false; reason: 'missing_secret' | 'missing_signature' | 'bad_signature' | 'bad_payload' };

export function signMauticWebhook(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

export function isValidMauticSignature(rawBody: Buffer | string, signature: string, secret: string): boolean {
  const expected = Buffer.from(signMauticWebhook(rawBody, secret));
  const given = Buffer.from(signature.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const CONTACT_PATHS = [
  ['contact'],
  ['lead'],
  ['submission', 'lead'],
  ['stat', 'lead'],
  ['hit', 'lead'],
  ['contact_id'],
];

function idAt(item: unknown, path: string[]): string | null {
  let v: unknown = item;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[p];
  }
  if (v !== null && typeof v === 'object') v = (v as Record<string, unknown>).id;
  return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^\d+$/.test(v))
    ? String(v)
    : null;
}

/** Contact ids in a parsed payload, split into those to re-qualify and those deleted. */
export function contactIdsOf(payload: unknown): { contactIds: string[]; deletedContactIds: string[] } {
  const live = new Set<string>();
  const deleted = new Set<string>();
  if (payload === null || typeof payload !== 'object') return { contactIds: [], deletedContactIds: [] };
  for (const [type, events] of Object.entries(payload)) {
    if (!type.startsWith('mautic.') || type.startsWith('mautic.company_') || !Array.isArray(events)) continue;
    for (const event of events) {
      const id =
        CONTACT_PATHS.map((p) => idAt(event, p)).find((x) => x !== null) ??
        (type === 'mautic.lead_post_delete' ? idAt(event, ['id']) : null);
      if (id === null || id === undefined) continue;
      (type === 'mautic.lead_post_delete' ? deleted : live).add(id);
    }
  }
  for (const id of deleted) live.delete(id);
  return { contactIds: [...live], deletedContactIds: [...deleted] };
}

/** Verifies the signature of a raw webhook body and returns the contacts to re-qualify. */
export function verifyMauticWebhook(input: {
  rawBody: Buffer | string;
  signature: string | string[] | undefined;
  secret: string | undefined;
}): MauticWebhookResult {
  if (!input.secret) return { ok: false, reason: 'missing_secret' };
  const signature = Array.isArray(input.signature) ? input.signature[0] : input.signature;
  if (!signature) return { ok: false, reason: 'missing_signature' };
  if (!isValidMauticSignature(input.rawBody, signature, input.secret)) {
    return { ok: false, reason: 'bad_signature' };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.isBuffer(input.rawBody) ? input.rawBody.toString('utf8') : input.rawBody);
  } catch {
    return { ok: false, reason: 'bad_payload' };
  }
  return { ok: true, ...contactIdsOf(payload) };
}
