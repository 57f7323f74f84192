/**
 * A Salesforce org over HTTP, served at the root of its own port (`src/sandbox/listener.ts`): OAuth
 * (PKCE), REST (describe, upsert by external id, Collections, SOQL, limits), Bulk API 2.0 ingest,
 * with `Sforce-Limit-Info` and real error bodies, so jsforce runs against it unchanged (loginUrl
 * and instanceUrl = that bare origin, as a real instance's are; under a path, jsforce's `bulk2`
 * misses, since it builds URLs from the origin).
 * Tests and the demo play sales programmatically (`sales`) or over HTTP on the same port:
 *   POST /_sandbox/leads/:idOrExternalId/convert {createOpportunity?, amount?}
 *   POST /_sandbox/leads/:idOrExternalId/status {status}
 *   POST /_sandbox/opportunities {contactId, amount?, stageName?, closeDate?, name?}
 *   POST /_sandbox/opportunities/:id/win {amount?} · POST /_sandbox/opportunities/:id/lose
 *   POST /_sandbox/play {fraction, seed} · GET /_sandbox/records/:type · GET /_sandbox/stats
 *   POST /_sandbox/tokens · POST /_sandbox/tokens/expire · POST /_sandbox/api-usage {used, max?}
 *   POST /_sandbox/reject {externalId, code?, message?, fields?} · POST /_sandbox/reset
 */
import express, { type Request, type Response } from 'express';

import type { SandboxOptions, SandboxStats, VendorSandbox } from '../../sandbox-types.ts';
import { BulkJobs } from './bulk.ts';
import type { AssignmentRule } from './assignment.ts';
import { ApiError, type RecordError, SandboxOrg, type SfRecord } from './org.ts';
import { type SandboxTokenResponse, SandboxTokens } from './oauth.ts';

export { SANDBOX_REFRESH_TOKEN } from './oauth.ts';
import { type ApiUsage, guarded, QueryLocators, restRouter } from './rest.ts';
import { type PlayResult, SandboxSales } from './sales.ts';
import { type FieldDef, SOBJECT_TYPES, type SObjectType } from './schema.ts';

export type { PlayResult, SalesAction } from './sales.ts';
export type { SandboxTokenResponse } from './oauth.ts';
export type { FieldDef, SObjectType } from './schema.ts';

export interface SalesforceSandboxOptions extends SandboxOptions {
  /** The org's daily API allocation (Enterprise: 100,000 + 1,000 per licence). @default 100000 */
  apiLimit?: number;
  /** Access token lifetime. @default 2 hours */
  tokenTtlMs?: number;
}

export interface SalesforceSandbox extends VendorSandbox {
  readonly vendor: 'salesforce';
  /** What reps do: convert, set status, open / win / lose opportunities, play a share of leads. */
  readonly sales: SandboxSales;
  readonly oauth: {
    /** A token response as the token endpoint gives it, without the browser step. */
    issueTokens(scope?: string): SandboxTokenResponse;
    expireAccessTokens(): void;
    revoke(token: string): boolean;
  };
  readonly faults: {
    /** Sets the day's API usage, e.g. close to the limit to stop a run midway. */
    setApiUsage(used: number, max?: number): void;
    /** Writes of this external id fail with this error (e.g. a validation rule). */
    rejectExternalId(externalId: string, error: RecordError): void;
    clearRejections(): void;
    removeField(type: SObjectType, name: string): void;
    addField(type: SObjectType, def: FieldDef): void;
  };
  apiUsage(): ApiUsage;
  records(type: SObjectType): SfRecord[];
  /** A record entered in Salesforce by hand (a rep's Lead): validated like any insert; returns its id. */
  enterRecord(type: SObjectType, fields: Record<string, unknown>): string;
  /** A change made in Salesforce by hand (validated like any update). */
  editRecord(type: SObjectType, id: string, fields: Record<string, unknown>): void;
  /** Deleted records, newest last (Salesforce's recycle bin). */
  recycleBin(): { type: SObjectType; record: SfRecord }[];
  /** A record deleted in Salesforce by hand (a rep deleting a Task). */
  deleteRecord(id: string): void;
  /** The org's Lead assignment rules (assignment.ts), to read their ids. */
  assignmentRules(): AssignmentRule[];
}

export function createSalesforceSandbox(options: SalesforceSandboxOptions): SalesforceSandbox {
  const now = options.now ?? Date.now;
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  // An instance's resources sit at its root ("REST Resources and Requests": /services/data/vXX.X/…,
  // `instance_url` a bare origin), and jsforce's bulk2 builds URLs from the origin alone, so a
  // sandbox mounted under a path would answer every Bulk 2.0 call 404. Serve it through
  // src/sandbox/listener.ts (its own port) instead.
  if (new URL(publicUrl).pathname !== '/') {
    throw new Error(
      `the Salesforce sandbox must be served at a host root, like an instance: got ${publicUrl}`,
    );
  }
  const apiLimit = options.apiLimit ?? 100_000;
  const org = new SandboxOrg(now);
  const tokens = new SandboxTokens(publicUrl, now, options.tokenTtlMs ?? 2 * 3_600_000);
  const bulk = new BulkJobs(org, now);
  const locators = new QueryLocators();
  const usage: ApiUsage = { used: 0, max: apiLimit };
  const sales = new SandboxSales(org, now);
  let calls: Record<string, number> = {};
  let limited = 0;
  const count = (key: string) => {
    calls[key] = (calls[key] ?? 0) + 1;
  };

  const seed = () => {
    // A lived-in org: records leadstage never handed off, which the closed loop must ignore.
    const account = org.must(org.insert('Account', { Name: 'Existing Customer Inc' }), 'Account').id;
    const contact = org.must(
      org.insert('Contact', { LastName: 'Existing', AccountId: account }),
      'Contact',
    ).id;
    org.must(
      org.insert('Lead', { LastName: 'Walk-in', Company: 'Trade Show Co', LeadSource: 'Other' }),
      'Lead',
    );
    org.must(
      org.insert(
        'Opportunity',
        { Name: 'Renewal', AccountId: account, StageName: 'Negotiation/Review', CloseDate: '2030-01-31' },
        { ContactId: contact },
      ),
      'Opportunity',
    );
  };
  seed();

  const router = express.Router();
  router.use(tokens.router(count));
  router.use(
    restRouter({
      org,
      tokens,
      usage,
      bulk,
      locators,
      count,
      limitAnswered: () => limited++,
    }),
  );

  // ---- /_sandbox: play sales and inject faults over HTTP (the demo, other processes) ----------
  const json = express.json();
  const control = (path: string, method: 'get' | 'post', handler: (req: Request, res: Response) => void) =>
    router[method](`/_sandbox${path}`, json, guarded(handler));
  const param = (req: Request, name: string) => String(req.params[name]);
  const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  const num = (v: unknown, name: string): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ApiError(400, 'INVALID_ARGUMENT', `${name} must be a number`);
    }
    return v;
  };

  control('/stats', 'get', (_req, res) => res.json({ ...stats(), apiUsage: { ...usage } }));
  control('/reset', 'post', (_req, res) => {
    reset();
    res.status(204).end();
  });
  control('/tokens', 'post', (req, res) =>
    res.json(tokens.issue(typeof body(req).scope === 'string' ? (body(req).scope as string) : undefined)),
  );
  control('/tokens/expire', 'post', (_req, res) => {
    tokens.expireAccessTokens();
    res.status(204).end();
  });
  control('/records/:type', 'get', (req, res) => res.json(records(org.sobjectType(param(req, 'type')))));
  control('/leads/:id/convert', 'post', (req, res) => {
    const b = body(req);
    const amount = num(b.amount, 'amount');
    res.json(
      sales.convertLead(param(req, 'id'), {
        ...(b.createOpportunity === false ? { createOpportunity: false } : {}),
        ...(amount !== undefined ? { amount } : {}),
      }),
    );
  });
  control('/leads/:id/status', 'post', (req, res) => {
    const status = body(req).status;
    if (typeof status !== 'string') throw new ApiError(400, 'INVALID_ARGUMENT', 'status must be a string');
    sales.setLeadStatus(param(req, 'id'), status);
    res.status(204).end();
  });
  control('/opportunities', 'post', (req, res) => {
    const b = body(req);
    if (typeof b.contactId !== 'string') {
      throw new ApiError(400, 'INVALID_ARGUMENT', 'contactId must be a string');
    }
    const amount = num(b.amount, 'amount');
    const id = sales.openOpportunity({
      contactId: b.contactId,
      ...(amount !== undefined ? { amount } : {}),
      ...(typeof b.stageName === 'string' ? { stageName: b.stageName } : {}),
      ...(typeof b.closeDate === 'string' ? { closeDate: b.closeDate } : {}),
      ...(typeof b.name === 'string' ? { name: b.name } : {}),
    });
    res.status(201).json({ id });
  });
  control('/opportunities/:id/win', 'post', (req, res) => {
    sales.winOpportunity(param(req, 'id'), num(body(req).amount, 'amount'));
    res.status(204).end();
  });
  control('/opportunities/:id/lose', 'post', (req, res) => {
    sales.loseOpportunity(param(req, 'id'));
    res.status(204).end();
  });
  control('/play', 'post', (req, res) => {
    const b = body(req);
    const result: PlayResult = sales.playSales(num(b.fraction, 'fraction') ?? 0.2, num(b.seed, 'seed') ?? 1);
    res.json(result);
  });
  control('/api-usage', 'post', (req, res) => {
    const b = body(req);
    setApiUsage(num(b.used, 'used') ?? usage.used, num(b.max, 'max'));
    res.json({ ...usage });
  });
  control('/reject', 'post', (req, res) => {
    const b = body(req);
    if (typeof b.externalId !== 'string') {
      throw new ApiError(400, 'INVALID_ARGUMENT', 'externalId must be a string');
    }
    org.rejections.set(b.externalId, {
      statusCode: typeof b.code === 'string' ? b.code : 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: typeof b.message === 'string' ? b.message : 'rejected by a validation rule',
      fields: Array.isArray(b.fields) ? b.fields.map(String) : [],
    });
    res.status(204).end();
  });

  function setApiUsage(used: number, max?: number): void {
    usage.used = used;
    if (max !== undefined) usage.max = max;
  }

  function records(type: SObjectType): SfRecord[] {
    return [...org.records[type].values()].map((r) => ({ ...r }));
  }

  function stats(): SandboxStats {
    return { calls: { ...calls }, rateLimited: limited };
  }

  function reset(): void {
    org.reset();
    tokens.reset();
    bulk.reset();
    locators.clear();
    usage.used = 0;
    usage.max = apiLimit;
    calls = {};
    limited = 0;
    seed();
  }

  return {
    vendor: 'salesforce',
    router,
    sales,
    oauth: {
      issueTokens: (scope) => tokens.issue(scope),
      expireAccessTokens: () => tokens.expireAccessTokens(),
      revoke: (token) => tokens.revoke(token),
    },
    faults: {
      setApiUsage,
      rejectExternalId: (externalId, error) => org.rejections.set(externalId, error),
      clearRejections: () => org.rejections.clear(),
      removeField: (type, name) => org.removeField(type, name),
      addField: (type, def) => org.addField(type, def),
    },
    apiUsage: () => ({ ...usage }),
    records,
    enterRecord: (type, fields) => org.must(org.insert(type, fields), type).id,
    editRecord: (type, id, fields) => {
      const problem = org.update(type, id, fields);
      if (problem) throw new ApiError(400, problem.statusCode, problem.message);
    },
    recycleBin: () => org.recycleBin.map((d) => ({ type: d.type, record: { ...d.record } })),
    deleteRecord: (id) => {
      const problem = org.delete(id);
      if (problem) throw new ApiError(404, problem.statusCode, problem.message);
    },
    assignmentRules: () => org.assignmentRules.map((r) => ({ ...r })),
    stats,
    reset,
  };
}

export { SOBJECT_TYPES };
