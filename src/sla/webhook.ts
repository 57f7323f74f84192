/**
 * SLA breaches sent to a webhook as Slack-compatible JSON (`{ text, blocks }`: a Slack incoming
 * webhook shows `blocks`, other receivers read `text`). The URL is a credential (a Slack webhook URL
 * lets anyone post), so it never appears in errors or logs.
 */
import { ConfigError } from '../errors.ts';
import type { BusinessHours, StageInfo } from '../model.ts';
import type { SlaBreach } from '../store/index.ts';

export interface SlaWebhook {
  url: string;
  timeoutMs: number;
}

export const DEFAULT_SLA_WEBHOOK_TIMEOUT_MS = 5_000;

/** `LEADSTAGE_SLA_WEBHOOK_URL` (unset: breaches are recorded and shown, not sent) and its timeout. */
export function slaWebhookFromEnv(env: NodeJS.ProcessEnv = process.env): SlaWebhook | null {
  const url = env.LEADSTAGE_SLA_WEBHOOK_URL?.trim();
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('LEADSTAGE_SLA_WEBHOOK_URL is not a URL (value not shown: it is a credential)');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError('LEADSTAGE_SLA_WEBHOOK_URL must be an http(s) URL');
  }
  const rawTimeout = env.LEADSTAGE_SLA_WEBHOOK_TIMEOUT_MS;
  const timeoutMs = rawTimeout ? Number(rawTimeout) : DEFAULT_SLA_WEBHOOK_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigError(
      `LEADSTAGE_SLA_WEBHOOK_TIMEOUT_MS must be a positive whole number of milliseconds, got "${rawTimeout}"`,
    );
  }
  return { url, timeoutMs };
}

export interface SlackMessage {
  text: string;
  blocks: { type: 'section'; text: { type: 'mrkdwn'; text: string } }[];
}

function localTime(isoText: string, timeZone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(isoText));
  // Composed from parts: ICU versions differ in the punctuation between them.
  const part = (type: Intl.DateTimeFormatPartTypes) => text.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('hour')}:${part('minute')} ${timeZone}`;
}

/** One breach as a message a rep can act on: who, which stage, since when, due when. */
export function breachMessage(
  breach: SlaBreach,
  workspace: string,
  stage: Pick<StageInfo, 'label' | 'sla'>,
  hours: BusinessHours,
): SlackMessage {
  const who = breach.email ? `${breach.email} (contact ${breach.contactId})` : `contact ${breach.contactId}`;
  const within = stage.sla
    ? `${stage.sla.within}${stage.sla.businessHours ? ' of business hours' : ''}`
    : 'the SLA';
  const state = breach.open ? `still ${stage.label}` : `left ${stage.label} late`;
  const crm = breach.crmId ? `; CRM record ${breach.crmId}` : '';
  const text =
    `SLA breached in ${workspace}: ${who} entered ${stage.label} ${localTime(breach.enteredAt, hours.timeZone)}, ` +
    `sales had ${within} (due ${localTime(breach.dueAt, hours.timeZone)}); ${state}${crm}.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:alarm_clock: ${text}` } }] };
}

/** Posts one message; throws a message without the URL when the receiver did not take it. */
export async function postWebhook(hook: SlaWebhook, message: SlackMessage): Promise<void> {
  let res: Response;
  try {
    res = await fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(hook.timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    if (e.name === 'TimeoutError') {
      throw new Error(`SLA webhook timed out after ${hook.timeoutMs / 1000} s`, { cause: err });
    }
    throw new Error(`SLA webhook unreachable (${e.cause?.code ?? e.name ?? 'network error'})`, {
      cause: err,
    });
  }
  // The body is not read beyond this: a receiver's answer is not ours to log.
  await res.body?.cancel();
  if (!res.ok) throw new Error(`SLA webhook answered HTTP ${res.status}`);
}
