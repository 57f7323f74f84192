/**
 * The REST API under `/services/data/vXX.X`: bearer auth (401 INVALID_SESSION_ID), the daily API
 * allocation (403 REQUEST_LIMIT_EXCEEDED, `Sforce-Limit-Info` on every answer), describe, sObject
 * rows, upsert by external id (single and Collections), Collections create/update, SOQL, limits.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

import { type AutoAssign, parseAutoAssign } from './assignment.ts';
import { bulkRoutes, type BulkJobs } from './bulk.ts';
import { ApiError, isRecordError, project, type RecordError, type SandboxOrg, type SfRecord } from './org.ts';
import type { SandboxTokens } from './oauth.ts';
import { describe, type SObjectType } from './schema.ts';
import { SoqlError } from './soql.ts';

export const OLDEST_VERSION = 31;
export const NEWEST_VERSION = 63;
const COLLECTION_MAX = 200;
const QUERY_BATCH = 2000;

export interface ApiUsage {
  used: number;
  max: number;
}

/** A query's result as it ran: the matching records in order and the fields it selected. */
export interface QueryResult {
  object: SObjectType;
  fields: string[];
  rows: SfRecord[];
}

/**
 * Query results beyond the first 2,000 rows, fetched through `nextRecordsUrl`. A locator keeps the
 * result the query produced (the records themselves, which writes replace rather than change,
 * org.ts `query`), so each further page costs its 2,000 rows and not the object's size.
 *
 * Records written between pages: later pages answer the records as they were when the query ran,
 * and neither gain records created since nor lose records deleted since. Salesforce documents that
 * the set is fixed when the query runs: a locator points to "the location of additional query
 * results" and "each locator and its associated results are available for two days after the
 * initial query executes" (Knowledge article 000384958, INVALID_QUERY_LOCATOR), and for Batch Apex
 * "the set of records … is determined when the start method is run" (Apex Reference,
 * Database.QueryLocator). Whether a later page shows field values as of the query or as of the
 * fetch is not documented: values as of the query are the sandbox's GUESS.
 */
export class QueryLocators {
  private readonly kept = new Map<string, { result: QueryResult; offset: number }>();
  private n = 0;

  keep(result: QueryResult, offset: number): string {
    const locator = `01g5g0000${String(++this.n).padStart(6, '0')}-${offset}`;
    this.kept.set(locator, { result, offset });
    return locator;
  }

  take(locator: string) {
    const page = this.kept.get(locator);
    this.kept.delete(locator);
    return page;
  }

  clear(): void {
    this.kept.clear();
  }
}

export interface RestContext {
  org: SandboxOrg;
  tokens: SandboxTokens;
  usage: ApiUsage;
  bulk: BulkJobs;
  locators: QueryLocators;
  count(key: string): void;
  limitAnswered(): void;
}

type Handler = (req: Request, res: Response) => void;

export function sendError(
  res: Response,
  status: number,
  errorCode: string,
  message: string,
  fields?: string[],
): void {
  res.status(status).json([{ message, errorCode, ...(fields?.length ? { fields } : {}) }]);
}

/** Runs a handler, answering ApiError / SoqlError the Salesforce way. */
export function guarded(handler: Handler): Handler {
  return (req, res) => {
    try {
      handler(req, res);
    } catch (err) {
      if (err instanceof ApiError) sendError(res, err.status, err.errorCode, err.message, err.fields);
      else if (err instanceof SoqlError) sendError(res, 400, err.errorCode, err.message);
      else throw err;
    }
  };
}

function toSaveError(e: RecordError) {
  return { statusCode: e.statusCode, message: e.message, fields: e.fields };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function restRouter(ctx: RestContext): Router {
  const router = express.Router();
  const json = express.json({ limit: '50mb', type: ['application/json', 'application/*+json'] });
  const base = '/services/data/:version';
  const versionOf = (req: Request) => str(req.params.version).slice(1);

  /** Registers a route counted under a readable key (`:type`/`:field` filled in, ids left as names). */
  const on = (
    method: 'get' | 'post' | 'patch' | 'put' | 'delete',
    path: string,
    handler: Handler,
    extra: express.RequestHandler[] = [],
  ) => {
    router[method](`${base}${path}`, ...extra, (req: Request, res: Response) => {
      const key = path
        .replace(':type', str(req.params.type) || ':type')
        .replace(':field', str(req.params.field) || ':field');
      ctx.count(`${method.toUpperCase()} ${key}`);
      guarded(handler)(req, res);
    });
  };

  router.get('/services/data', (_req, res) => {
    ctx.count('GET /services/data');
    const versions = [];
    for (let v = OLDEST_VERSION; v <= NEWEST_VERSION; v++) {
      versions.push({ label: `v${v}.0`, url: `/services/data/v${v}.0`, version: `${v}.0` });
    }
    res.json(versions);
  });

  // Version, session and allocation, in that order, for everything under /services/data/vXX.X.
  router.use(base, (req: Request, res: Response, next: NextFunction) => {
    const m = /^v(\d+)\.0$/.exec(str(req.params.version));
    if (!m || Number(m[1]) < OLDEST_VERSION || Number(m[1]) > NEWEST_VERSION) {
      sendError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
      return;
    }
    const bearer = /^(?:Bearer|OAuth) (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    res.set('Sforce-Limit-Info', `api-usage=${ctx.usage.used}/${ctx.usage.max}`);
    if (!bearer || !ctx.tokens.isValid(bearer)) {
      sendError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      return;
    }
    if (ctx.usage.used >= ctx.usage.max) {
      ctx.limitAnswered();
      sendError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      return;
    }
    ctx.usage.used++;
    res.set('Sforce-Limit-Info', `api-usage=${ctx.usage.used}/${ctx.usage.max}`);
    next();
  });

  on('get', '/limits', (_req, res) => {
    const { used, max } = ctx.usage;
    res.json({
      DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used) },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DailyBulkApiBatches: { Max: 15000, Remaining: 15000 - ctx.bulk.batchesToday() },
      DataStorageMB: { Max: 5, Remaining: 5 },
    });
  });

  on('get', '/sobjects/:type/describe', (req, res) => {
    const type = ctx.org.sobjectType(str(req.params.type));
    res.json(describe(type, ctx.org.schema[type], versionOf(req)));
  });

  on('get', '/sobjects/:type/:id', (req, res) => {
    const type = ctx.org.sobjectType(str(req.params.type));
    const record = ctx.org.get(type, str(req.params.id));
    if (!record) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    res.json({ attributes: attributes(type, String(record.Id), versionOf(req)), ...record });
  });

  on(
    'post',
    '/sobjects/:type',
    (req, res) => {
      const type = ctx.org.sobjectType(str(req.params.type));
      const result = ctx.org.insert(type, bodyObject(req), {}, autoAssign(req));
      if (isRecordError(result)) sendError(res, 400, result.statusCode, result.message, result.fields);
      else res.status(201).json({ id: result.id, success: true, errors: [] });
    },
    [json],
  );

  on(
    'patch',
    '/sobjects/:type/:id',
    (req, res) => {
      const type = ctx.org.sobjectType(str(req.params.type));
      const problem = ctx.org.update(type, str(req.params.id), bodyObject(req), {}, autoAssign(req));
      if (problem) {
        sendError(
          res,
          problem.statusCode === 'ENTITY_IS_DELETED' ? 404 : 400,
          problem.statusCode,
          problem.message,
          problem.fields,
        );
      } else res.status(204).end();
    },
    [json],
  );

  on(
    'patch',
    '/sobjects/:type/:field/:value',
    (req, res) => {
      const type = ctx.org.sobjectType(str(req.params.type));
      const result = ctx.org.upsert(
        type,
        str(req.params.field),
        str(req.params.value),
        bodyObject(req),
        autoAssign(req),
      );
      if (isRecordError(result) && result.matches) {
        // "If the external ID matches multiple existing records, then a 300 error is returned, and
        // no records are created or updated" (REST API Developer Guide, resources_sobject_upsert_patch);
        // "300: The value returned when an external ID exists in more than one record. The response
        // body contains the list of matching records" (same guide, errorcodes.htm); "the REST API
        // returns a 300 response with the list of matching records" (Salesforce's Postman
        // collection, ../shared/specs/salesforce/postman-salesforce-apis/rest/
        // sobject_rows_by_external_id.json; restforce PR #228: "a list of matching records as an
        // array"). The list holds each record's URL, as `attributes.url` gives it: the element shape
        // is a GUESS from those descriptions, no example body is published.
        const version = versionOf(req);
        res.status(300).json(result.matches.map((id) => attributes(type, id, version).url));
        return;
      }
      if (isRecordError(result)) {
        sendError(res, 400, result.statusCode, result.message, result.fields);
        return;
      }
      res
        .status(result.created ? 201 : 200)
        .json({ id: result.id, success: true, errors: [], created: result.created });
    },
    [json],
  );

  on(
    'patch',
    '/composite/sobjects/:type/:field',
    (req, res) => {
      const type = ctx.org.sobjectType(str(req.params.type));
      const field = str(req.params.field);
      const { allOrNone, records } = collectionBody(req);
      const extField = ctx.org.field(type, field);
      if (!extField?.externalId && extField?.name !== 'Id') {
        throw new ApiError(
          400,
          'INVALID_FIELD',
          `Field name provided, ${field} is not an External ID or indexed field for ${type}`,
        );
      }
      const valueOf = (r: Record<string, unknown>) => {
        const v = r[extField.name];
        return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
      };
      const seen = new Map<string, number>();
      for (const r of records) {
        seen.set(valueOf(r).toLowerCase(), (seen.get(valueOf(r).toLowerCase()) ?? 0) + 1);
      }
      const results = runCollection(ctx.org, allOrNone, records, (r) => {
        const value = valueOf(r);
        if (
          r.attributes &&
          typeof r.attributes === 'object' &&
          str((r.attributes as { type?: unknown }).type) !== type
        ) {
          return { statusCode: 'INVALID_TYPE', message: `Record type must be ${type}`, fields: [] };
        }
        if (!value) {
          return { statusCode: 'MISSING_ARGUMENT', message: `${extField.name} not specified`, fields: [] };
        }
        if ((seen.get(value.toLowerCase()) ?? 0) > 1) {
          return {
            statusCode: 'DUPLICATE_EXTERNAL_ID',
            message: `Duplicate external id specified: ${value}`,
            fields: [extField.name],
          };
        }
        const { attributes: _a, ...fields } = r;
        const out = ctx.org.upsert(type, extField.name, value, fields, autoAssign(req));
        return isRecordError(out) ? out : { id: out.id, success: true, errors: [], created: out.created };
      });
      res.json(results);
    },
    [json],
  );

  on(
    'post',
    '/composite/sobjects',
    (req, res) => {
      const { allOrNone, records } = collectionBody(req);
      const results = runCollection(ctx.org, allOrNone, records, (r) => {
        const type = ctx.org.sobjectType(typeOf(r));
        const { attributes: _a, ...fields } = r;
        const out = ctx.org.insert(type, fields, {}, autoAssign(req));
        return isRecordError(out) ? out : { id: out.id, success: true, errors: [] };
      });
      res.json(results);
    },
    [json],
  );

  on(
    'patch',
    '/composite/sobjects',
    (req, res) => {
      const { allOrNone, records } = collectionBody(req);
      const results = runCollection(ctx.org, allOrNone, records, (r) => {
        const type = ctx.org.sobjectType(typeOf(r));
        const { attributes: _a, id: lower, Id: upper, ...fields } = r;
        const id = str(lower) || str(upper);
        if (!id) {
          return {
            statusCode: 'MISSING_ARGUMENT',
            message: 'Id not specified in an update call',
            fields: [],
          };
        }
        const problem = ctx.org.update(type, id, fields, {}, autoAssign(req));
        return problem ?? { id, success: true, errors: [] };
      });
      res.json(results);
    },
    [json],
  );

  // jsforce's destroy of several ids: `DELETE /composite/sobjects?ids=a,b[&allOrNone=true]`.
  on('delete', '/composite/sobjects', (req, res) => {
    const ids = str(req.query.ids)
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    if (!ids.length) throw new ApiError(400, 'MISSING_ARGUMENT', 'ids not specified');
    if (ids.length > COLLECTION_MAX) {
      throw new ApiError(
        400,
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${COLLECTION_MAX} records into this call`,
      );
    }
    const records = ids.map((id) => ({ id }));
    const results = runCollection(ctx.org, str(req.query.allOrNone) === 'true', records, (r) => {
      const id = str(r.id);
      const problem = ctx.org.delete(id);
      return problem ?? { id, success: true, errors: [] };
    });
    res.json(results.map((r, i) => ({ id: ids[i], ...r })));
  });

  on('delete', '/sobjects/:type/:id', (req, res) => {
    ctx.org.sobjectType(str(req.params.type));
    const problem = ctx.org.delete(str(req.params.id));
    if (problem) sendError(res, 404, problem.statusCode, problem.message, problem.fields);
    else res.status(204).end();
  });

  on('get', '/query', (req, res) => {
    const soql = str(req.query.q);
    if (!soql) throw new ApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    res.json(queryPage(ctx, ctx.org.query(soql), versionOf(req), 0));
  });

  on('get', '/query/:locator', (req, res) => {
    const page = ctx.locators.take(str(req.params.locator));
    if (!page) throw new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    res.json(queryPage(ctx, page.result, versionOf(req), page.offset));
  });

  bulkRoutes(router, base, ctx, on);
  return router;
}

function attributes(type: SObjectType, id: string, version: string) {
  return { type, url: `/services/data/v${version}/sobjects/${type}/${id}` };
}

function queryPage(ctx: RestContext, result: QueryResult, version: string, offset: number) {
  const { object, fields, rows } = result;
  const batch = rows.slice(offset, offset + QUERY_BATCH);
  const done = offset + QUERY_BATCH >= rows.length;
  const locator = done ? null : ctx.locators.keep(result, offset + QUERY_BATCH);
  return {
    totalSize: rows.length,
    done,
    ...(locator ? { nextRecordsUrl: `/services/data/v${version}/query/${locator}` } : {}),
    records: batch.map((r) => {
      const row = project(r, fields);
      return { attributes: attributes(object, String(row.Id ?? ''), version), ...row };
    }),
  };
}

/** The request's `Sforce-Auto-Assign` header (absent: Salesforce applies the active rule). */
function autoAssign(req: Request): AutoAssign {
  return parseAutoAssign(req.get('sforce-auto-assign'));
}

function bodyObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function collectionBody(req: Request): { allOrNone: boolean; records: Record<string, unknown>[] } {
  const body = bodyObject(req);
  const records = body.records;
  if (!Array.isArray(records) || records.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) {
    throw new ApiError(400, 'JSON_PARSER_ERROR', "'records' must be an array of objects");
  }
  if (records.length > COLLECTION_MAX) {
    throw new ApiError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${COLLECTION_MAX} records into this call`,
    );
  }
  return { allOrNone: body.allOrNone === true, records: records as Record<string, unknown>[] };
}

function typeOf(record: Record<string, unknown>): string {
  const type = (record.attributes as { type?: unknown } | undefined)?.type;
  if (typeof type !== 'string') throw new ApiError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
  return type;
}

type CollectionResult = { id: string; success: true; errors: never[]; created?: boolean };

/** One result per record, in order; with allOrNone a single failure rolls every record back. */
function runCollection(
  org: SandboxOrg,
  allOrNone: boolean,
  records: Record<string, unknown>[],
  write: (r: Record<string, unknown>) => CollectionResult | RecordError,
) {
  const attempt = () => {
    const outcomes = records.map(write);
    const failed = outcomes.some(isRecordError);
    const result = outcomes.map((o) => {
      if (isRecordError(o)) return { success: false, errors: [toSaveError(o)] };
      if (allOrNone && failed) {
        return {
          success: false,
          errors: [
            {
              statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
              message:
                'Record rolled back because not all records were valid and the request was using AllOrNone header',
              fields: [],
            },
          ],
        };
      }
      return o;
    });
    return { result, commit: !(allOrNone && failed) };
  };
  return allOrNone ? org.transaction(attempt) : attempt().result;
}
