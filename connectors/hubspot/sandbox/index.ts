/**
 * A HubSpot sandbox speaking the real wire format for every endpoint the connector uses: OAuth
 * (authorize, v1 and v3 token, revoke, token metadata), contact search (200 per page, 10,000-result
 * cap, 5 requests per second, no rate-limit headers), batch read/update (100 inputs, 207 for unknown
 * ids, lifecycle stages that ignore backward moves), properties, email events and web analytics
 * events. OAuth access tokens live 30 minutes; the 10-second budget answers 429 with HubSpot's
 * headers and body once spent. `@hubspot/api-client` runs against it unchanged.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';

import {
  SANDBOX_OAUTH_APP,
  type SandboxOptions,
  type SandboxStats,
  type VendorSandbox,
} from '../../sandbox-types.ts';
import { signHubspotWebhookV3 } from '../webhook.ts';
import { APP_ID, PORTAL_ID, type EmailEvent, Portal, type StoredContact, type WebEvent } from './portal.ts';
import { QueryMemo } from '../../sandbox-memo.ts';
import {
  DEFAULT_SEARCH_PROPERTIES,
  SEARCH_MAX_RESULTS,
  runSearch,
  searchProblem,
  searchRequestSchema,
} from './query.ts';

export interface HubspotSandboxLimits {
  /** Calls per rolling interval for OAuth apps (HubSpot: 110 per 10 s); private apps get `privateAppMax`. */
  oauthMax: number;
  privateAppMax: number;
  intervalMs: number;
  /** Daily calls (private apps see the daily headers; OAuth calls do not, as on HubSpot). */
  daily: number;
  /** Search requests per second. */
  searchPerSecond: number;
}

export interface HubspotSandboxOptions extends SandboxOptions {
  limits?: Partial<HubspotSandboxLimits>;
  /** Access token lifetime in seconds. @default 1800 */
  accessTokenTtlSeconds?: number;
}

export const DEFAULT_LIMITS: HubspotSandboxLimits = {
  oauthMax: 110,
  privateAppMax: 100,
  intervalMs: 10_000,
  daily: 250_000,
  searchPerSecond: 5,
};

/** A private app token the sandbox always accepts. */
export const SANDBOX_PRIVATE_APP_TOKEN = 'pat-na1-leadstage-sandbox';

const BATCH_MAX = 100;
/** Inputs per v4 association batch read. */
const ASSOCIATIONS_BATCH_MAX = 1000;
const EMAIL_EVENTS_MAX = 1000;
const WEB_EVENTS_MAX = 100;

export interface HubspotSandbox extends VendorSandbox {
  readonly vendor: 'hubspot';
  readonly portal: Portal;
  /** Issues tokens as if the OAuth flow had run (tests that skip the browser step). */
  issueTokens(): { accessToken: string; refreshToken: string; expiresIn: number };
  /** Every issued access token expires now. */
  expireAccessTokens(): void;
  /** Every refresh token is revoked (the app was uninstalled). */
  revokeRefreshTokens(): void;
  addContact(properties: Record<string, string>): string;
  updateContact(id: string, properties: Record<string, string>, atMs?: number): void;
  setLimits(limits: Partial<HubspotSandboxLimits>): void;
  /** The next `count` calls to `endpoint` (a stats key) answer `status` (5xx tests). */
  failNext(endpoint: string, status: number, count?: number): void;
  /** POSTs a v3-signed webhook for contact events to `targetUrl`; resolves to the response status. */
  sendWebhook(
    targetUrl: string,
    events: {
      subscriptionType: string;
      objectId: string;
      propertyName?: string;
      propertyValue?: string;
      primaryObjectId?: string;
      mergedObjectIds?: string[];
    }[],
    clientSecret?: string,
  ): Promise<number>;
}

interface TokenInfo {
  expiresAt: number;
  refreshToken: string;
  scopes: string[];
}

export function createHubspotSandbox(options: HubspotSandboxOptions): HubspotSandbox {
  const now = options.now ?? Date.now;
  const ttl = options.accessTokenTtlSeconds ?? 1800;
  const portal = new Portal(options.seed, options.contacts, now, options.epoch);
  let limits: HubspotSandboxLimits = { ...DEFAULT_LIMITS, ...options.limits };

  let calls: Record<string, number> = {};
  let rateLimited = 0;
  let failures = new Map<string, { status: number; count: number }>();
  let codes = new Map<string, { redirectUri: string; scopes: string[] }>();
  let refreshTokens = new Map<string, { revoked: boolean; scopes: string[] }>();
  let accessTokens = new Map<string, TokenInfo>();
  // Rate windows use the real clock: a test's frozen or jumping clock must not jam them.
  let windowCalls: number[] = [];
  let searchCalls: number[] = [];
  let dailyCalls = 0;

  const newToken = (prefix: string) => `${prefix}-${randomBytes(24).toString('base64url')}`;

  const issue = (refreshToken: string, scopes: string[]) => {
    const accessToken = newToken('CJT');
    accessTokens.set(accessToken, { expiresAt: now() + ttl * 1000, refreshToken, scopes });
    return accessToken;
  };

  const error = (res: Response, status: number, category: string, message: string, extra: object = {}) => {
    res.status(status).json({ status: 'error', message, correlationId: randomUUID(), category, ...extra });
  };

  const router: Router = express.Router();
  router.use(express.json({ limit: '10mb' }));
  router.use(express.urlencoded({ extended: false }));

  type Handler = (req: Request, res: Response) => void;
  type Kind = 'open' | 'api' | 'search';
  const route = (method: 'get' | 'post' | 'patch', path: string, kind: Kind, handler: Handler) => {
    const key = `${method.toUpperCase()} ${path}`;
    router[method](path, (req, res) => {
      calls[key] = (calls[key] ?? 0) + 1;
      const failure = failures.get(key);
      if (failure && failure.count > 0) {
        failure.count--;
        return error(res, failure.status, 'INTERNAL_ERROR', 'Internal error (injected by the sandbox)');
      }
      if (kind === 'open') return handler(req, res);
      const auth = authenticate(req);
      if ('status' in auth) return error(res, 401, auth.category, auth.message);
      if (kind === 'search' ? !takeSearchSlot(res) : !takeApiSlot(res, auth.privateApp)) return;
      handler(req, res);
    });
  };

  const authenticate = (
    req: Request,
  ): { privateApp: boolean } | { status: 401; category: string; message: string } => {
    const header = req.get('authorization') ?? '';
    const token = /^Bearer (.+)$/i.exec(header)?.[1];
    if (!token) {
      return {
        status: 401,
        category: 'INVALID_AUTHENTICATION',
        message:
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      };
    }
    if (token === SANDBOX_PRIVATE_APP_TOKEN) return { privateApp: true };
    const info = accessTokens.get(token);
    if (!info || refreshTokens.get(info.refreshToken)?.revoked) {
      return {
        status: 401,
        category: 'INVALID_AUTHENTICATION',
        message: 'The OAuth token used to make this call is invalid.',
      };
    }
    if (info.expiresAt <= now()) {
      const ago = Math.ceil((now() - info.expiresAt) / 1000);
      return {
        status: 401,
        category: 'EXPIRED_AUTHENTICATION',
        message: `The OAuth token used to make this call expired ${ago} second(s) ago.`,
      };
    }
    return { privateApp: false };
  };

  const takeApiSlot = (res: Response, privateApp: boolean): boolean => {
    const t = Date.now();
    windowCalls = windowCalls.filter((at) => at > t - limits.intervalMs);
    const max = privateApp ? limits.privateAppMax : limits.oauthMax;
    const headers = (remaining: number, dailyRemaining: number) => {
      res.set('X-HubSpot-RateLimit-Max', String(max));
      res.set('X-HubSpot-RateLimit-Remaining', String(Math.max(0, remaining)));
      res.set('X-HubSpot-RateLimit-Interval-Milliseconds', String(limits.intervalMs));
      if (privateApp) {
        res.set('X-HubSpot-RateLimit-Daily', String(limits.daily));
        res.set('X-HubSpot-RateLimit-Daily-Remaining', String(Math.max(0, dailyRemaining)));
      }
    };
    const limited = (policyName: string, message: string) => {
      rateLimited++;
      headers(max - windowCalls.length, limits.daily - dailyCalls);
      res.status(429).json({
        status: 'error',
        message,
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName,
        requestId: randomUUID(),
      });
      return false;
    };
    if (dailyCalls >= limits.daily) return limited('DAILY', 'You have reached your daily limit.');
    if (windowCalls.length >= max) {
      return limited('TEN_SECONDLY_ROLLING', 'You have reached your ten_secondly_rolling limit.');
    }
    windowCalls.push(t);
    dailyCalls++;
    headers(max - windowCalls.length, limits.daily - dailyCalls);
    return true;
  };

  const takeSearchSlot = (res: Response): boolean => {
    const t = Date.now();
    searchCalls = searchCalls.filter((at) => at > t - 1000);
    if (searchCalls.length >= limits.searchPerSecond) {
      rateLimited++;
      // Search answers carry no rate-limit headers.
      res.status(429).json({
        status: 'error',
        message: 'You have reached your secondly limit.',
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: 'SECONDLY',
        requestId: randomUUID(),
      });
      return false;
    }
    searchCalls.push(t);
    return true;
  };

  // ---- OAuth ------------------------------------------------------------------------------------

  route('get', '/oauth/authorize', 'open', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.client_id !== SANDBOX_OAUTH_APP.clientId || !q.redirect_uri) {
      res
        .status(400)
        .type('text/plain')
        .send('Authorization failed because the app has an invalid client_id or redirect_uri.');
      return;
    }
    // The sandbox's single user consents at once.
    const code = randomUUID();
    codes.set(code, { redirectUri: q.redirect_uri, scopes: (q.scope ?? '').split(/[ +]/).filter(Boolean) });
    const target = new URL(q.redirect_uri);
    target.searchParams.set('code', code);
    if (q.state) target.searchParams.set('state', q.state);
    res.redirect(302, target.toString());
  });

  const tokenEndpoint: Handler = (req, res) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const oauthError = (status: string, message: string): void => {
      res.status(400).json({ status, message, correlationId: randomUUID(), requestId: randomUUID() });
    };
    if (!req.is('application/x-www-form-urlencoded')) {
      return oauthError('BAD_REQUEST', 'Token requests must be application/x-www-form-urlencoded');
    }
    if (body.client_id !== SANDBOX_OAUTH_APP.clientId) {
      return oauthError('BAD_CLIENT_ID', 'missing or invalid client_id');
    }
    if (body.client_secret !== SANDBOX_OAUTH_APP.clientSecret) {
      return oauthError('BAD_CLIENT_SECRET', 'missing or invalid client_secret');
    }
    let refreshToken: string;
    let scopes: string[];
    if (body.grant_type === 'authorization_code') {
      const grant = body.code ? codes.get(body.code) : undefined;
      if (!grant) return oauthError('BAD_AUTH_CODE', 'missing or unknown auth code');
      if (grant.redirectUri !== body.redirect_uri) {
        return oauthError('BAD_REDIRECT_URI', 'redirect_uri does not match');
      }
      codes.delete(body.code!);
      refreshToken = newToken('na1');
      scopes = grant.scopes;
      refreshTokens.set(refreshToken, { revoked: false, scopes });
    } else if (body.grant_type === 'refresh_token') {
      const stored = body.refresh_token ? refreshTokens.get(body.refresh_token) : undefined;
      if (!stored || stored.revoked) {
        return oauthError('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
      }
      refreshToken = body.refresh_token!;
      scopes = stored.scopes;
    } else {
      return oauthError('BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
    res.json({
      token_type: 'bearer',
      refresh_token: refreshToken,
      access_token: issue(refreshToken, scopes),
      expires_in: ttl,
      hub_id: PORTAL_ID,
      scopes,
    });
  };
  route('post', '/oauth/v1/token', 'open', tokenEndpoint);
  route('post', '/oauth/v3/token', 'open', tokenEndpoint);

  route('post', '/oauth/v3/token/revoke', 'open', (req, res) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    if (
      body.client_id !== SANDBOX_OAUTH_APP.clientId ||
      body.client_secret !== SANDBOX_OAUTH_APP.clientSecret
    ) {
      return error(res, 401, 'INVALID_AUTHENTICATION', 'invalid client credentials');
    }
    const stored = body.token ? refreshTokens.get(body.token) : undefined;
    if (stored) stored.revoked = true;
    res.status(200).json({});
  });

  route('get', '/oauth/v1/access-tokens/:token', 'open', (req, res) => {
    const info = accessTokens.get(String(req.params.token));
    if (!info || info.expiresAt <= now()) {
      return error(res, 404, 'OBJECT_NOT_FOUND', 'access token not found');
    }
    res.json({
      token: req.params.token,
      user: 'sandbox@leadstage.example',
      hub_domain: 'leadstage-sandbox.example',
      scopes: info.scopes,
      hub_id: PORTAL_ID,
      app_id: APP_ID,
      expires_in: Math.floor((info.expiresAt - now()) / 1000),
      user_id: 1,
      token_type: 'access',
    });
  });

  // ---- contacts ---------------------------------------------------------------------------------

  const view = (c: StoredContact, properties: string[]) => ({
    id: c.id,
    properties: Object.fromEntries(properties.map((p) => [p, c.properties[p] ?? null])),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    archived: false,
  });

  route('post', '/crm/v3/objects/contacts/search', 'search', (req, res) => {
    const parsed = searchRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      return error(
        res,
        400,
        'VALIDATION_ERROR',
        `Invalid input JSON on line 1: ${parsed.error.issues[0]?.path.join('.')}`,
      );
    }
    const problem = searchProblem(parsed.data);
    if (problem) return error(res, 400, 'VALIDATION_ERROR', problem);
    if (Number(parsed.data.after ?? 0) >= SEARCH_MAX_RESULTS) {
      return error(
        res,
        400,
        'VALIDATION_ERROR',
        `There are more than ${SEARCH_MAX_RESULTS} results; paging past them is not supported. Narrow the filters.`,
      );
    }
    const { total, page, next } = runSearch(portal, parsed.data);
    const props = parsed.data.properties.length > 0 ? parsed.data.properties : DEFAULT_SEARCH_PROPERTIES;
    res.json({
      total,
      results: page.map((c) => view(c, props)),
      ...(next !== undefined ? { paging: { next: { after: String(next), link: '' } } } : {}),
    });
  });

  const batchInputs = z.object({
    inputs: z.array(
      z.object({
        id: z.union([z.string(), z.number()]),
        properties: z.record(z.string(), z.unknown()).optional(),
      }),
    ),
    properties: z.array(z.string()).optional(),
    idProperty: z.string().optional(),
  });

  /** Refuses a batch of more than `max` inputs as HubSpot does; true when it did. */
  const overBatchLimit = (
    res: Response,
    count: number,
    max: number,
    limit = `at most ${max} inputs are allowed`,
  ): boolean => {
    if (count <= max) return false;
    error(res, 400, 'VALIDATION_ERROR', `Batch input limit exceeded: ${limit}`);
    return true;
  };

  /** A batch read or update body, or undefined once its 400 is sent (bad shape, too many inputs). */
  const readBatch = (req: Request, res: Response, max: number, limit?: string) => {
    const parsed = batchInputs.safeParse(req.body);
    if (!parsed.success) {
      error(res, 400, 'VALIDATION_ERROR', 'Invalid input JSON: inputs');
      return undefined;
    }
    return overBatchLimit(res, parsed.data.inputs.length, max, limit) ? undefined : parsed.data;
  };

  const batchEnvelope = (started: string) => ({
    status: 'COMPLETE',
    startedAt: started,
    completedAt: new Date().toISOString(),
  });

  const notFound = (ids: string[]) => ({
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message:
      'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
    context: { ids },
    errors: [],
    links: {},
  });

  route('post', '/crm/v3/objects/contacts/batch/read', 'api', (req, res) => {
    const started = new Date().toISOString();
    const batch = readBatch(req, res, BATCH_MAX);
    if (!batch) return undefined;
    const { inputs, idProperty } = batch;
    const props = [
      ...new Set([
        ...(batch.properties ?? DEFAULT_SEARCH_PROPERTIES),
        'hs_object_id',
        'createdate',
        'lastmodifieddate',
      ]),
    ];
    const found: StoredContact[] = [];
    const missing: string[] = [];
    for (const { id } of inputs) {
      const key = String(id);
      const c = idProperty === 'email' ? portal.byEmail(key) : portal.contacts.get(key);
      if (c) found.push(c);
      else missing.push(key);
    }
    const body = { ...batchEnvelope(started), results: found.map((c) => view(c, props)) };
    if (missing.length === 0) return res.json(body);
    return res.status(207).json({ ...body, numErrors: 1, errors: [notFound(missing)] });
  });

  // Companies of contacts (companies.ts has the shapes): v4 association batch read, then companies.
  route('post', '/crm/v4/associations/contact/company/batch/read', 'api', (req, res) => {
    const started = new Date().toISOString();
    const batch = readBatch(req, res, ASSOCIATIONS_BATCH_MAX, `at most ${ASSOCIATIONS_BATCH_MAX}`);
    if (!batch) return undefined;
    const { results, missing } = portal.companies.readAssociations(batch.inputs.map((i) => String(i.id)));
    const body = { ...batchEnvelope(started), results };
    if (missing.length === 0) return res.json(body);
    return res.status(207).json({
      ...body,
      numErrors: missing.length,
      errors: missing.map((id) => ({
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
        message: `No company is associated with contact ${id}.`,
        context: { fromObjectId: [id] },
      })),
    });
  });

  route('post', '/crm/v3/objects/companies/batch/read', 'api', (req, res) => {
    const started = new Date().toISOString();
    const batch = readBatch(req, res, BATCH_MAX);
    if (!batch) return undefined;
    const props = [
      ...new Set([
        ...(batch.properties ?? ['name', 'domain']),
        'hs_object_id',
        'createdate',
        'hs_lastmodifieddate',
      ]),
    ];
    const found = batch.inputs.flatMap((i) => {
      const c = portal.companies.companies.get(String(i.id));
      return c ? [view(c, props)] : [];
    });
    res.json({ ...batchEnvelope(started), results: found });
  });

  // Merge (`POST …/merge {primaryObjectId, objectIdToMerge}`) and GDPR delete (`POST …/gdpr-delete
  // {objectId, idProperty?}`, 204), as the v3 contacts API documents them.
  route('post', '/crm/v3/objects/contacts/merge', 'api', (req, res) => {
    const body = (req.body ?? {}) as { primaryObjectId?: string | number; objectIdToMerge?: string | number };
    const primary = String(body.primaryObjectId ?? '');
    const other = String(body.objectIdToMerge ?? '');
    if (!portal.contacts.has(primary) || !portal.contacts.has(other) || primary === other) {
      return error(
        res,
        400,
        'VALIDATION_ERROR',
        'primaryObjectId and objectIdToMerge must be two existing contacts',
      );
    }
    portal.merge(primary, other);
    res.json(view(portal.contacts.get(primary)!, DEFAULT_SEARCH_PROPERTIES));
  });

  route('post', '/crm/v3/objects/contacts/gdpr-delete', 'api', (req, res) => {
    const body = (req.body ?? {}) as { objectId?: string | number; idProperty?: string };
    const key = String(body.objectId ?? '');
    const c = body.idProperty === 'email' ? portal.byEmail(key) : portal.contacts.get(key);
    if (!c) return error(res, 404, 'OBJECT_NOT_FOUND', 'resource not found');
    portal.remove(c.id);
    res.status(204).end();
  });

  route('post', '/crm/v3/objects/contacts/batch/update', 'api', (req, res) => {
    const started = new Date().toISOString();
    const batch = readBatch(req, res, BATCH_MAX);
    if (!batch) return undefined;
    const { inputs } = batch;
    const ids = inputs.map((i) => String(i.id));
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (dupes.length > 0) {
      return error(
        res,
        400,
        'VALIDATION_ERROR',
        `Duplicate IDs found in batch input: [${dupes.join(', ')}]. IDs must be unique`,
      );
    }
    const problems = inputs.flatMap((i) => portal.validate(i.properties ?? {}));
    if (problems.length > 0) {
      const detail = problems.map((p) => ({
        isValid: false,
        message: p.message,
        error: p.error,
        name: p.name,
      }));
      return error(
        res,
        400,
        'VALIDATION_ERROR',
        `Property values were not valid: ${JSON.stringify(detail)}`,
        {
          errors: problems.map((p) => ({
            message: p.message,
            code: p.error,
            context: { propertyName: [p.name] },
          })),
        },
      );
    }
    const results: ReturnType<typeof view>[] = [];
    const missing: string[] = [];
    for (const input of inputs) {
      const c = portal.contacts.get(String(input.id));
      if (!c) {
        missing.push(String(input.id));
        continue;
      }
      const props = input.properties ?? {};
      portal.apply(c, props);
      results.push(view(c, [...Object.keys(props), 'hs_object_id', 'createdate', 'lastmodifieddate']));
    }
    const body = { ...batchEnvelope(started), results };
    if (missing.length === 0) return res.json(body);
    return res.status(207).json({ ...body, numErrors: 1, errors: [notFound(missing)] });
  });

  // ---- properties -------------------------------------------------------------------------------

  const propertyView = (name: string) => {
    const p = portal.properties.get(name)!;
    return {
      updatedAt: p.updatedAt,
      createdAt: p.createdAt,
      name: p.name,
      label: p.label,
      type: p.type,
      fieldType: p.fieldType,
      description: p.description,
      groupName: p.groupName,
      options: p.options,
      displayOrder: p.displayOrder,
      calculated: false,
      externalOptions: false,
      hasUniqueValue: false,
      hidden: false,
      hubspotDefined: p.hubspotDefined,
      modificationMetadata: {
        archivable: !p.hubspotDefined,
        readOnlyDefinition: p.hubspotDefined,
        readOnlyValue: p.readOnlyValue,
      },
      formField: !p.readOnlyValue,
    };
  };

  const propertyCreate = z.object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    label: z.string().min(1),
    type: z.enum(['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string']),
    fieldType: z.enum([
      'booleancheckbox',
      'calculation_equation',
      'checkbox',
      'date',
      'file',
      'html',
      'number',
      'phonenumber',
      'radio',
      'select',
      'text',
      'textarea',
    ]),
    groupName: z.string().min(1),
    description: z.string().optional(),
    options: z
      .array(
        z.object({
          label: z.string(),
          value: z.string(),
          hidden: z.boolean().optional(),
          displayOrder: z.number().optional(),
        }),
      )
      .optional(),
    displayOrder: z.number().optional(),
  });

  const invalidInput = (res: Response, err: z.ZodError) =>
    error(res, 400, 'VALIDATION_ERROR', `Invalid input JSON: ${err.issues[0]?.path.join('.')}`);
  const propertyNotFound = (res: Response, name: string) =>
    error(res, 404, 'OBJECT_NOT_FOUND', `Unable to find property with name ${name} for object type 0-1`);
  const optionsOf = (options: NonNullable<z.infer<typeof propertyCreate>['options']>) =>
    options.map((o, i) => ({
      label: o.label,
      value: o.value,
      hidden: o.hidden ?? false,
      displayOrder: o.displayOrder ?? i,
    }));

  const createProperty = (input: z.infer<typeof propertyCreate>) => {
    const at = new Date(now()).toISOString();
    portal.changed();
    portal.properties.set(input.name, {
      name: input.name,
      label: input.label,
      type: input.type === 'bool' ? 'bool' : input.type,
      fieldType: input.fieldType,
      groupName: input.groupName,
      description: input.description ?? '',
      options: optionsOf(input.options ?? []),
      displayOrder: input.displayOrder ?? -1,
      hubspotDefined: false,
      readOnlyValue: false,
      createdAt: at,
      updatedAt: at,
    });
  };

  const alreadyExists = (name: string) => ({
    status: 'error',
    category: 'OBJECT_ALREADY_EXISTS',
    message: `Property named '${name}' already exists.`,
    context: { name: [name] },
    errors: [],
    links: {},
  });

  route('get', '/crm/v3/properties/contacts', 'api', (_req, res) => {
    res.json({ results: [...portal.properties.keys()].map(propertyView) });
  });

  route('get', '/crm/v3/properties/contacts/:propertyName', 'api', (req, res) => {
    const name = String(req.params.propertyName);
    if (!portal.properties.has(name)) {
      return propertyNotFound(res, name);
    }
    res.json(propertyView(name));
  });

  // Updates a custom property; `options`, when given, replace the whole list (as HubSpot does).
  route('patch', '/crm/v3/properties/contacts/:propertyName', 'api', (req, res) => {
    const name = String(req.params.propertyName);
    const property = portal.properties.get(name);
    if (!property) {
      return propertyNotFound(res, name);
    }
    const parsed = propertyCreate
      .pick({ label: true, description: true, options: true })
      .partial()
      .safeParse(req.body);
    if (!parsed.success) {
      return invalidInput(res, parsed.error);
    }
    if (property.hubspotDefined && parsed.data.options) {
      return error(
        res,
        400,
        'VALIDATION_ERROR',
        `The options of HubSpot-defined property ${name} cannot be changed`,
      );
    }
    const { label, description, options } = parsed.data;
    if (label !== undefined) property.label = label;
    if (description !== undefined) property.description = description;
    if (options) property.options = optionsOf(options);
    property.updatedAt = new Date(now()).toISOString();
    res.json(propertyView(name));
  });

  route('post', '/crm/v3/properties/contacts', 'api', (req, res) => {
    const parsed = propertyCreate.safeParse(req.body);
    if (!parsed.success) {
      return invalidInput(res, parsed.error);
    }
    if (portal.properties.has(parsed.data.name)) {
      const { status: _s, ...rest } = alreadyExists(parsed.data.name);
      return error(res, 409, rest.category, rest.message);
    }
    createProperty(parsed.data);
    res.status(201).json(propertyView(parsed.data.name));
  });

  route('post', '/crm/v3/properties/contacts/batch/create', 'api', (req, res) => {
    const started = new Date().toISOString();
    const parsed = z.object({ inputs: z.array(propertyCreate) }).safeParse(req.body);
    if (!parsed.success) {
      return invalidInput(res, parsed.error);
    }
    if (overBatchLimit(res, parsed.data.inputs.length, BATCH_MAX)) return;
    const results: ReturnType<typeof propertyView>[] = [];
    const errors: ReturnType<typeof alreadyExists>[] = [];
    for (const input of parsed.data.inputs) {
      if (portal.properties.has(input.name)) {
        errors.push(alreadyExists(input.name));
        continue;
      }
      createProperty(input);
      results.push(propertyView(input.name));
    }
    const body = { ...batchEnvelope(started), results };
    if (errors.length === 0) return res.status(201).json(body);
    res.status(207).json({ ...body, numErrors: errors.length, errors });
  });

  // ---- engagement -------------------------------------------------------------------------------

  const encodeOffset = (n: number) => Buffer.from(`o:${n}`).toString('base64url');
  const decodeOffset = (s: unknown) => {
    if (typeof s !== 'string' || s === '') return 0;
    const m = /^o:(\d+)$/.exec(Buffer.from(s, 'base64url').toString());
    return m ? Number(m[1]) : NaN;
  };

  // The event lists are replaced on reseed, never changed in place: a page is a slice of the query's rows.
  const emailQueries = new QueryMemo<EmailEvent>();
  const webQueries = new QueryMemo<WebEvent>();
  route('get', '/email/public/v1/events', 'api', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const limit = q.limit ? Number(q.limit) : 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > EMAIL_EVENTS_MAX) {
      return error(res, 400, 'VALIDATION_ERROR', `limit must be between 1 and ${EMAIL_EVENTS_MAX}`);
    }
    const offset = decodeOffset(q.offset);
    if (!Number.isFinite(offset)) return error(res, 400, 'VALIDATION_ERROR', 'offset is invalid or expired');
    const start = q.startTimestamp ? Number(q.startTimestamp) : -Infinity;
    const end = q.endTimestamp ? Number(q.endTimestamp) : Infinity;
    const rows = emailQueries.get(
      portal.emailEvents,
      JSON.stringify([start, end, q.eventType, q.recipient]),
      () =>
        portal.emailEvents.filter(
          (e) =>
            e.created >= start &&
            e.created <= end &&
            (!q.eventType || e.type === q.eventType) &&
            (!q.recipient || e.recipient === q.recipient),
        ),
    );
    const page = rows.slice(offset, offset + limit);
    const hasMore = offset + limit < rows.length;
    res.json({
      hasMore,
      offset: encodeOffset(offset + page.length),
      events: page.map((e) => ({
        appName: 'Batch',
        location: { country: 'UNITED STATES', state: 'massachusetts', city: 'cambridge' },
        id: e.id,
        created: e.created,
        userAgent: 'Mozilla/5.0',
        browser: { name: 'Google Chrome', family: 'Google Chrome', producer: 'Google Inc.', type: 'Browser' },
        type: e.type,
        recipient: e.recipient,
        portalId: PORTAL_ID,
        appId: 113,
        emailCampaignId: e.emailCampaignId,
        subject: e.subject,
        sentBy: { id: `${e.id.slice(0, 8)}-sent`, created: e.created - 60_000 },
        ...(e.url ? { url: e.url } : {}),
      })),
    });
  });

  const webEvents: Handler = (req, res) => {
    const q = req.query as Record<string, string | string[] | undefined>;
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const limit = one(q.limit) ? Number(one(q.limit)) : 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > WEB_EVENTS_MAX) {
      return error(res, 400, 'VALIDATION_ERROR', `limit must be between 1 and ${WEB_EVENTS_MAX}`);
    }
    const objectType = one(q.objectType)?.toLowerCase();
    if (objectType && !['contact', 'contacts', '0-1'].includes(objectType)) {
      return res.json({ results: [] });
    }
    const after = decodeOffset(one(q.after));
    if (!Number.isFinite(after)) return error(res, 400, 'VALIDATION_ERROR', 'after is invalid');
    const from = one(q.occurredAfter) ? Date.parse(one(q.occurredAfter)!) : -Infinity;
    const to = one(q.occurredBefore) ? Date.parse(one(q.occurredBefore)!) : Infinity;
    const eventType = one(q.eventType);
    const objectId = one(q.objectId);
    const sort = [q.sort ?? []].flat()[0] ?? '-occurredAt';
    const rows = webQueries.get(portal.webEvents, JSON.stringify([from, to, eventType, objectId, sort]), () =>
      portal.webEvents
        .filter((e) => {
          const t = Date.parse(e.occurredAt);
          return (
            t >= from &&
            t <= to &&
            (!eventType || e.eventType === eventType) &&
            (!objectId || e.objectId === objectId)
          );
        })
        .sort((a, b) => {
          const order =
            a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.id < b.id ? -1 : 1;
          return sort.startsWith('-') ? -order : order;
        }),
    );
    const page = rows.slice(after, after + limit);
    const next = after + limit < rows.length ? encodeOffset(after + limit) : undefined;
    res.json({
      results: page.map((e) => ({
        objectType: 'CONTACT',
        objectId: e.objectId,
        eventType: e.eventType,
        occurredAt: e.occurredAt,
        id: e.id,
        properties: e.properties,
      })),
      ...(next
        ? { paging: { next: { after: next, link: `${options.publicUrl}/events/v3/events/?after=${next}` } } }
        : {}),
    });
  };
  route('get', '/events/v3/events', 'api', webEvents);

  // ---- control ----------------------------------------------------------------------------------

  return {
    vendor: 'hubspot',
    router,
    portal,
    stats(): SandboxStats {
      return { calls: { ...calls }, rateLimited };
    },
    reset() {
      portal.reseed();
      limits = { ...DEFAULT_LIMITS, ...options.limits };
      calls = {};
      rateLimited = 0;
      failures = new Map();
      codes = new Map();
      refreshTokens = new Map();
      accessTokens = new Map();
      windowCalls = [];
      searchCalls = [];
      dailyCalls = 0;
    },
    issueTokens() {
      const refreshToken = newToken('na1');
      const scopes = ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'content'];
      refreshTokens.set(refreshToken, { revoked: false, scopes });
      return { accessToken: issue(refreshToken, scopes), refreshToken, expiresIn: ttl };
    },
    expireAccessTokens() {
      for (const info of accessTokens.values()) info.expiresAt = Math.min(info.expiresAt, now());
    },
    revokeRefreshTokens() {
      for (const r of refreshTokens.values()) r.revoked = true;
    },
    addContact(properties) {
      return portal.addContact(properties);
    },
    updateContact(id, properties, atMs) {
      const c = portal.contacts.get(id);
      if (!c) throw new Error(`sandbox has no contact ${id}`);
      const problems = portal.validate(properties, true);
      if (problems.length > 0) throw new Error(`sandbox update of ${id} refused: ${problems[0]!.message}`);
      portal.apply(c, properties, atMs);
    },
    setLimits(next) {
      limits = { ...limits, ...next };
    },
    failNext(endpoint, status, count = 1) {
      failures.set(endpoint, { status, count });
    },
    async sendWebhook(targetUrl, events, clientSecret = SANDBOX_OAUTH_APP.clientSecret) {
      const occurredAt = now();
      const body = JSON.stringify(
        events.map((e, i) => ({
          eventId: Number(`${occurredAt % 1_000_000}${i}`),
          subscriptionId: 1,
          portalId: PORTAL_ID,
          appId: APP_ID,
          occurredAt,
          attemptNumber: 0,
          changeSource: 'CRM',
          ...e,
          objectId: Number(e.objectId),
        })),
      );
      const timestamp = now();
      const res = await fetch(targetUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-HubSpot-Signature-v3': signHubspotWebhookV3(clientSecret, 'POST', targetUrl, body, timestamp),
          'X-HubSpot-Request-Timestamp': String(timestamp),
        },
        body,
      });
      return res.status;
    },
  };
}
