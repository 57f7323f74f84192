/**
 * A Mautic 5 stand-in under `/mautic`: OAuth2 (SANDBOX_OAUTH_APP), basic auth (SANDBOX_BASIC_AUTH,
 * switched off by default like Mautic), the API switch, and every endpoint the connector calls, in
 * Mautic's wire format, seeded deterministically from connectors/sandbox-data.ts. Tests steer it
 * through the extra methods (add/modify contacts, inject faults, expire tokens).
 */
import express, { type Request, type Response } from 'express';

import type { SandboxOptions, SandboxStats, VendorSandbox } from '../../sandbox-types.ts';
import { SandboxOAuth, sendErrors, type AuthSettings } from './auth.ts';
import * as contactRoutes from './contact-routes.ts';
import * as catalogRoutes from './catalog-routes.ts';
import * as companyRoutes from './company-routes.ts';
import type { Handler, RouteDeps } from './route-helpers.ts';
import { contactJson } from './serialize.ts';
import { SandboxState, seconds, type FieldValue, type SandboxEvent } from './state.ts';

export { SANDBOX_BASIC_AUTH } from './auth.ts';
export { BATCH_LIMIT } from './route-helpers.ts';

/** Mautic's `Mautic-Version` response header. */
const MAUTIC_VERSION = '5.2.1';

export interface FaultRule {
  /** Route key as in stats, e.g. `GET /api/contacts`; omitted matches every API call. */
  endpoint?: string;
  status: number;
  /** How many calls to fail. @default 1 */
  times?: number;
  /**
   * Drop the connection instead of answering (the client sees a reset socket), as a proxy or a
   * restarting PHP worker does; `status` is then only counted, never sent.
   */
  drop?: boolean;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface MauticSandbox extends VendorSandbox {
  readonly vendor: 'mautic';
  settings: AuthSettings;
  /** Whether contact edits take the `stage` parameter (see RouteDeps.stageInEdit). @default true */
  features: { stageInEdit: boolean };
  /** Creates a contact now (dateModified stays null, as in Mautic); returns its id. */
  addContact(fields: Record<string, FieldValue>): number;
  /** Creates a company now (fields by company alias: `companyname`, …); returns its id. */
  addCompany(fields: Record<string, FieldValue>): number;
  /** Changes fields and bumps dateModified to now. */
  updateContact(id: number, fields: Record<string, FieldValue>): void;
  /** Mautic's JSON for a contact (as `GET /api/contacts/{id}` returns it), or null. */
  contact(id: number): ReturnType<typeof contactJson> | null;
  addEvent(event: Omit<SandboxEvent, 'timestamp'> & { timestamp?: string }): void;
  /**
   * Merges `loserId` into `winnerId` as Mautic 5's ContactMerger does (see SandboxState.merge) and
   * returns the webhook bodies Mautic would send for it, in order: the winner's
   * `mautic.lead_post_save_update`, then the loser's `mautic.lead_post_delete`. Mautic has no merge
   * webhook; `GET /api/contacts/{loserId}` answers the winner from then on.
   */
  mergeContacts(winnerId: number, loserId: number): MauticWebhookBody[];
  /** Deletes a contact; returns the `mautic.lead_post_delete` body Mautic would send. */
  deleteContact(id: number): MauticWebhookBody;
  /** Fails the next matching calls with the given status, before auth. */
  failNext(rule: FaultRule): void;
  /** Forgets the faults not yet used up. */
  clearFaults(): void;
  /**
   * Mautic's optional API rate limiter (`api_rate_limiter_limit`, per hour in Mautic; `windowMs`
   * here): 429 with X-RateLimit-Reset and no Retry-After.
   */
  setRateLimit(budget: { max: number; windowMs: number } | null): void;
  issueTokens(): { accessToken: string; refreshToken: string; expiresIn: number };
  expireAccessToken(token: string): void;
  state(): SandboxState;
}

/** A webhook body as Mautic posts it: event type → events. */
export type MauticWebhookBody = Record<string, Record<string, unknown>[]>;

/** `DateTime::format('c')`, as `WebhookModel` stamps each queued event. */
function webhookTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

export interface MauticSandboxOptions extends SandboxOptions {
  /** The instance's `default_timezone`, in which timeline timestamps come. @default 'UTC' (Mautic's default) */
  timeZone?: string;
}

export function createMauticSandbox(options: MauticSandboxOptions): MauticSandbox {
  const now = options.now ?? Date.now;
  let state = SandboxState.seeded(options.seed, options.contacts, options.epoch ?? now());
  const oauth = new SandboxOAuth(now);
  const settings: AuthSettings = { apiEnabled: true, basicAuthEnabled: false };
  let calls: Record<string, number> = {};
  let rateLimited = 0;
  let faults: (FaultRule & { left: number })[] = [];
  let rateLimit: { max: number; windowMs: number } | null = null;
  let window = { startMs: 0, used: 0 };

  const count = (key: string) => {
    calls[key] = (calls[key] ?? 0) + 1;
  };
  const features = { stageInEdit: true };
  const deps: RouteDeps = {
    state: () => state,
    now,
    timeZone: options.timeZone ?? 'UTC',
    stageInEdit: () => features.stageInEdit,
  };

  const router = express.Router();
  router.use((_req, res, next) => {
    // The sandbox clock, not the host's: the connector takes its incremental windows from it.
    res.setHeader('Date', new Date(now()).toUTCString());
    res.setHeader('Mautic-Version', MAUTIC_VERSION);
    next();
  });
  router.use(express.json({ limit: '20mb' }));
  router.use(express.urlencoded({ extended: false }));
  oauth.mount(router, count);

  const guard = (key: string, req: Request, res: Response): boolean => {
    count(key);
    const fault = faults.find((f) => f.left > 0 && (!f.endpoint || f.endpoint === key));
    if (fault) {
      fault.left--;
      if (fault.drop) {
        req.socket.destroy();
        return false;
      }
      if (fault.status === 429) rateLimited++;
      res.set(fault.headers ?? {});
      res
        .status(fault.status)
        .json(
          fault.body ?? { errors: [{ message: `Injected ${fault.status}`, code: fault.status, type: null }] },
        );
      return false;
    }
    if (rateLimit) {
      if (now() - window.startMs >= rateLimit.windowMs) window = { startMs: now(), used: 0 };
      // NoxlogicRateLimitBundle v1.19 as app/config/config.php sets it up (Mautic 5.1): every /api
      // answer, the 429 included, carries X-RateLimit-Limit, -Remaining (limit − calls, at least 0)
      // and -Reset (the window's end as a Unix time in seconds: HeaderModificationListener.php); the
      // over-limit answer is `rate_response_message` with `rate_response_code` 429 and no
      // Retry-After (RateLimitAnnotationListener.php).
      res.set({
        'X-RateLimit-Limit': String(rateLimit.max),
        'X-RateLimit-Remaining': String(Math.max(0, rateLimit.max - window.used - 1)),
        'X-RateLimit-Reset': String(Math.ceil((window.startMs + rateLimit.windowMs) / 1000)),
      });
      if (window.used >= rateLimit.max) {
        rateLimited++;
        res.status(429).json({
          errors: [
            {
              code: 429,
              message: `You exceeded the rate limit of ${rateLimit.max} API calls per hour.`,
              details: [],
            },
          ],
        });
        return false;
      }
      window.used++;
    }
    return oauth.check(req, res, settings);
  };

  const api = (method: 'get' | 'post' | 'patch', path: string, make: (d: RouteDeps) => Handler) => {
    const handler = make(deps);
    const key = `${method.toUpperCase()} ${path}`;
    router[method](path, (req, res) => {
      if (guard(key, req, res)) handler(req, res);
    });
  };
  // Specific paths before `/api/contacts/:id`.
  api('get', '/api/contacts/activity', catalogRoutes.allActivity);
  api('patch', '/api/contacts/batch/edit', contactRoutes.batchEditContacts);
  api('get', '/api/contacts', contactRoutes.listContacts);
  api('get', '/api/contacts/:id', contactRoutes.getContact);
  api('patch', '/api/contacts/:id/edit', contactRoutes.editContact);
  api('get', '/api/stages', catalogRoutes.listStages);
  api('post', '/api/stages/new', catalogRoutes.newStage);
  api('post', '/api/stages/:id/contact/:contactId/add', catalogRoutes.addContactToStage);
  api('get', '/api/fields/contact', catalogRoutes.listFields);
  api('get', '/api/companies', companyRoutes.listCompanies);
  api('post', '/api/fields/contact/new', catalogRoutes.newField);
  router.use('/api', (req, res) => {
    if (!guard(`${req.method} (unknown)`, req, res)) return;
    sendErrors(res, 404, `Requested URL not found: /api${req.path}`);
  });

  return {
    vendor: 'mautic',
    router,
    settings,
    features,
    stats: (): SandboxStats => ({ calls: { ...calls }, rateLimited }),
    reset() {
      state = SandboxState.seeded(options.seed, options.contacts, options.epoch ?? now());
      oauth.reset();
      calls = {};
      rateLimited = 0;
      faults = [];
      rateLimit = null;
      settings.apiEnabled = true;
      settings.basicAuthEnabled = false;
    },
    addContact: (fields) => state.addContact(fields, seconds(now())).id,
    addCompany: (fields) => state.addCompany(fields, seconds(now())).id,
    updateContact(id, fields) {
      const c = state.contacts.get(id);
      if (!c) throw new Error(`no sandbox contact ${id}`);
      c.fields = { ...c.fields, ...fields };
      c.dateModified = seconds(now());
      state.changed(id);
    },
    contact(id) {
      const c = state.contacts.get(id);
      return c ? contactJson(c, state) : null;
    },
    addEvent: (event) => state.addEvent({ ...event, timestamp: event.timestamp ?? seconds(now()) }),
    mergeContacts(winnerId, loserId) {
      const loser = state.contacts.get(loserId);
      // Serialised before the delete, as Mautic serialises the removed entity it still holds.
      const loserJson = loser ? contactJson(loser, state) : null;
      const winner = state.merge(winnerId, loserId, seconds(now()));
      const timestamp = webhookTimestamp(now());
      return [
        { 'mautic.lead_post_save_update': [{ contact: contactJson(winner, state), timestamp }] },
        deletionBody(loserId, loserJson!, timestamp),
      ];
    },
    deleteContact(id) {
      const c = state.contacts.get(id);
      if (!c) throw new Error(`no sandbox contact ${id}`);
      const json = contactJson(c, state);
      state.deleteContact(id);
      return deletionBody(id, json, webhookTimestamp(now()));
    },
    failNext: (rule) => void faults.push({ ...rule, left: rule.times ?? 1 }),
    clearFaults: () => void (faults = []),
    setRateLimit(budget) {
      rateLimit = budget;
      window = { startMs: now(), used: 0 };
    },
    issueTokens: () => oauth.issueTokens(),
    expireAccessToken: (token) => oauth.expireAccessToken(token),
    state: () => state,
  };
}

/**
 * `WebhookSubscriber::onLeadDelete`: `id` is `Lead::$deletedId`, beside the serialised contact.
 * GUESS: the contact's own `id` serialises as null (Doctrine clears it on remove, which is why
 * Mautic keeps `deletedId`); not checked against a running Mautic.
 */
function deletionBody(
  id: number,
  contact: ReturnType<typeof contactJson>,
  timestamp: string,
): MauticWebhookBody {
  return { 'mautic.lead_post_delete': [{ id, contact: { ...contact, id: null }, timestamp }] };
}
