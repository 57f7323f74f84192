/**
 * SLA breaches sent to a webhook as Slack-compatible JSON (`{ text, blocks }`: a Slack incoming
 * webhook shows `blocks`, other receivers read `text`). The URL is a credential (a Slack webhook URL
 * lets anyone post), so it never appears in errors or logs.
 */
import { ConfigError, ValidationError } from '../errors.ts';
import type { BusinessHours, StageInfo } from '../model.ts';
import type { SlaBreach, Store } from '../store/index.ts';

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
  return { url, timeoutMs: timeoutFromEnv(env) };
}

function timeoutFromEnv(env: NodeJS.ProcessEnv): number {
  const rawTimeout = env.LEADSTAGE_SLA_WEBHOOK_TIMEOUT_MS;
  const timeoutMs = rawTimeout ? Number(rawTimeout) : DEFAULT_SLA_WEBHOOK_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigError(
      `LEADSTAGE_SLA_WEBHOOK_TIMEOUT_MS must be a positive whole number of milliseconds, got "${rawTimeout}"`,
    );
  }
  return timeoutMs;
}

/** The name refusals of a workspace's own URL give (stored sealed in `settings.sla.webhook`). */
export const SLA_WEBHOOK_FIELD = 'settings.sla.webhookUrl';
const MAX_WEBHOOK_URL = 2048;

/** Plain http is only for a receiver on this machine (sandboxes, tests): it would carry the secret in clear. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Checks a workspace SLA webhook URL (from the CLI, the API or the console); `null`, `''` or `off`
 * remove it (the deployment's `LEADSTAGE_SLA_WEBHOOK_URL` applies again). Refusals name the field,
 * never the value: a Slack webhook URL lets anyone who reads it post to the channel.
 */
export function parseSlaWebhookUrl(input: unknown): string | null {
  if (input === null || input === undefined) return null;
  if (typeof input !== 'string') throw new ValidationError(`${SLA_WEBHOOK_FIELD}: must be a URL or off`);
  const text = input.trim();
  if (text === '' || text === 'off') return null;
  const refuse = (why: string) =>
    new ValidationError(`${SLA_WEBHOOK_FIELD}: ${why} (the value is not shown: it is a credential)`);
  if (text.length > MAX_WEBHOOK_URL) throw refuse(`must be at most ${MAX_WEBHOOK_URL} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('is not a URL');
  }
  if (url.username || url.password) throw refuse('must not carry a user name or password');
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw refuse('must be an https URL (http only to localhost, 127.0.0.1 or ::1)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('must be an https URL');
  return url.href;
}

/** Seals and opens the workspace's URL (the store's sealer, bound to the workspace). */
export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

/** The store's box for one workspace's SLA webhook URL. */
export function slaWebhookBox(store: Pick<Store, 'workspaces'>, workspaceId: string): SecretBox {
  return {
    seal: (text) => store.workspaces.sealSecret(workspaceId, 'sla-webhook', text),
    open: (sealed) => store.workspaces.openSecret(workspaceId, 'sla-webhook', sealed),
  };
}

/**
 * `settings.sla.webhook`: the URL sealed (a Slack webhook URL is a credential, kept like connection
 * tokens) and what may be shown of it, so showing it needs no key.
 */
interface StoredWebhook {
  sealed: string;
  shown: string;
}

function storedWebhook(settings: Record<string, unknown>): StoredWebhook | null {
  const hook = (settings.sla as { webhook?: Partial<StoredWebhook> } | undefined)?.webhook;
  if (hook === undefined || hook === null) return null;
  if (typeof hook.sealed !== 'string' || typeof hook.shown !== 'string') {
    throw new ConfigError(`${SLA_WEBHOOK_FIELD}: the stored value is damaged; set it again`);
  }
  return { sealed: hook.sealed, shown: hook.shown };
}

/** The workspace's own URL, opened, or null; a stored value that is no longer valid names the field. */
export function workspaceSlaWebhookUrl(settings: Record<string, unknown>, box: SecretBox): string | null {
  const hook = storedWebhook(settings);
  if (!hook) return null;
  try {
    return parseSlaWebhookUrl(box.open(hook.sealed));
  } catch (err) {
    throw new ConfigError(
      err instanceof ValidationError ? err.message : `${SLA_WEBHOOK_FIELD}: ${(err as Error).message}`,
    );
  }
}

/** `settings.sla` with the URL replaced (sealed; `null`: removed), the rest kept. */
export function withSlaWebhookUrl(
  settings: Record<string, unknown>,
  url: string | null,
  box: SecretBox,
): Record<string, unknown> {
  const { webhook: _old, ...rest } = (settings.sla ?? {}) as Record<string, unknown>;
  const hook: StoredWebhook | null =
    url === null ? null : { sealed: box.seal(url), shown: maskWebhookUrl(url) };
  return { ...settings, sla: hook ? { ...rest, webhook: hook } : rest };
}

/** Where a workspace's breaches go: its own URL, else `LEADSTAGE_SLA_WEBHOOK_URL`, else nowhere. */
export function slaWebhookFor(
  settings: Record<string, unknown>,
  box: SecretBox,
  env: NodeJS.ProcessEnv = process.env,
): SlaWebhook | null {
  const own = workspaceSlaWebhookUrl(settings, box);
  return own ? { url: own, timeoutMs: timeoutFromEnv(env) } : slaWebhookFromEnv(env);
}

/**
 * A URL as it may be shown: scheme and host, the path masked (a Slack webhook's path is its
 * secret token), e.g. `https://hooks.slack.com/…`.
 */
export function maskWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(not a URL)';
  }
}

/** What the CLI, API and console say of a workspace's SLA webhook: the source and the masked URL. */
export interface SlaWebhookView {
  /** `workspace`: its own setting; `environment`: `LEADSTAGE_SLA_WEBHOOK_URL`; `none`: not sent. */
  source: 'workspace' | 'environment' | 'none';
  /** Scheme and host only, e.g. `https://hooks.slack.com/…`. */
  shown?: string;
}

export function slaWebhookView(
  settings: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): SlaWebhookView {
  const own = storedWebhook(settings);
  if (own) return { source: 'workspace', shown: own.shown };
  const fromEnv = env.LEADSTAGE_SLA_WEBHOOK_URL?.trim();
  return fromEnv ? { source: 'environment', shown: maskWebhookUrl(fromEnv) } : { source: 'none' };
}

/** One line for the CLI and the console. */
export function describeSlaWebhook(view: SlaWebhookView): string {
  return view.source === 'workspace'
    ? `SLA breaches sent to: ${view.shown} (this workspace's webhook)`
    : view.source === 'environment'
      ? `SLA breaches sent to: ${view.shown} (LEADSTAGE_SLA_WEBHOOK_URL, the deployment's default)`
      : 'SLA breaches sent to: nowhere (recorded and shown only)';
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
