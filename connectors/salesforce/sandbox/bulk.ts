/**
 * Bulk API 2.0 ingest jobs: create → upload CSV → UploadComplete → poll → results as CSV. The
 * sandbox processes a job when its upload completes, so the first poll already sees JobComplete.
 */
import express, { type Request, type Response, type Router } from 'express';

import { parseCsv, toCsv } from '../csv.ts';
import { ApiError, isRecordError, type RecordError, type SandboxOrg } from './org.ts';
import { idGenerator, KEY_PREFIX } from './ids.ts';
import type { AutoAssign } from './assignment.ts';
import { sfDateTime } from './org.ts';
import type { SObjectType } from './schema.ts';

/** A named rule applies to created Leads only (org.ts); a job without one runs no rule at all. */
function ruleOf(job: IngestJob): AutoAssign {
  return job.assignmentRuleId ? { kind: 'rule', id: job.assignmentRuleId } : { kind: 'none' };
}

type Operation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

interface IngestJob {
  id: string;
  object: SObjectType;
  operation: Operation;
  externalIdFieldName: string | null;
  /** The Lead assignment rule the job runs on records it creates; without one Bulk runs none. */
  assignmentRuleId: string | null;
  state: JobState;
  createdDate: string;
  apiVersion: string;
  csv: string | null;
  successful: Record<string, string>[];
  failed: Record<string, string>[];
  unprocessed: Record<string, string>[];
  columns: string[];
  errorMessage: string | null;
}

type On = (
  method: 'get' | 'post' | 'patch' | 'put' | 'delete',
  path: string,
  handler: (req: Request, res: Response) => void,
  extra?: express.RequestHandler[],
) => void;

export class BulkJobs {
  private jobs = new Map<string, IngestJob>();
  private newId = idGenerator();
  private batches = 0;

  private readonly org: SandboxOrg;
  private readonly now: () => number;
  constructor(org: SandboxOrg, now: () => number) {
    this.org = org;
    this.now = now;
  }

  reset(): void {
    this.jobs.clear();
    this.newId = idGenerator();
    this.batches = 0;
  }

  batchesToday(): number {
    return this.batches;
  }

  create(body: Record<string, unknown>, apiVersion: string): IngestJob {
    const object = this.org.sobjectType(typeof body.object === 'string' ? body.object : '');
    const operation = body.operation as Operation;
    if (!['insert', 'update', 'upsert', 'delete', 'hardDelete'].includes(operation)) {
      throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(body.operation)}`);
    }
    if ((body.contentType ?? 'CSV') !== 'CSV') {
      throw new ApiError(400, 'INVALIDJOB', 'InvalidJob : only CSV is supported');
    }
    if ((body.columnDelimiter ?? 'COMMA') !== 'COMMA') {
      throw new ApiError(400, 'INVALIDJOB', 'InvalidJob : the sandbox only reads COMMA');
    }
    const ext = typeof body.externalIdFieldName === 'string' ? body.externalIdFieldName : null;
    if (operation === 'upsert' && !ext) {
      throw new ApiError(
        400,
        'INVALIDJOB',
        `InvalidJob : External ID was blank for ${object}. An External ID must be specified for upsert.`,
      );
    }
    const job: IngestJob = {
      id: this.newId(KEY_PREFIX.Job),
      object,
      operation,
      externalIdFieldName: ext,
      assignmentRuleId: typeof body.assignmentRuleId === 'string' ? body.assignmentRuleId : null,
      state: 'Open',
      createdDate: sfDateTime(this.now()),
      apiVersion,
      csv: null,
      successful: [],
      failed: [],
      unprocessed: [],
      columns: [],
      errorMessage: null,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  get(id: string): IngestJob {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return job;
  }

  upload(id: string, csv: string): void {
    const job = this.get(id);
    if (job.state !== 'Open' || job.csv !== null) {
      throw new ApiError(
        409,
        'INVALIDJOBSTATE',
        `Job ${id} is not open for uploads (state ${job.state}, data can be uploaded once)`,
      );
    }
    job.csv = csv;
    this.batches++;
  }

  setState(id: string, state: unknown): IngestJob {
    const job = this.get(id);
    if (state === 'Aborted') {
      if (job.state === 'JobComplete' || job.state === 'Failed') {
        throw new ApiError(400, 'INVALIDJOBSTATE', 'Job already finished');
      }
      job.state = 'Aborted';
      return job;
    }
    if (state !== 'UploadComplete') {
      throw new ApiError(400, 'INVALIDJOBSTATE', `Invalid state: ${String(state)}`);
    }
    if (job.state !== 'Open') {
      throw new ApiError(400, 'INVALIDJOBSTATE', `Job ${id} is ${job.state}, not Open`);
    }
    job.state = 'UploadComplete';
    this.process(job);
    return { ...job, state: 'UploadComplete' };
  }

  private process(job: IngestJob): void {
    if (job.csv === null) {
      job.state = 'Failed';
      job.errorMessage = 'InvalidBatch : no data uploaded';
      return;
    }
    let rows: Record<string, string>[];
    try {
      rows = parseCsv(job.csv);
    } catch (err) {
      job.state = 'Failed';
      job.errorMessage = `InvalidBatch : ${(err as Error).message}`;
      return;
    }
    job.columns = Object.keys(rows[0] ?? {});
    for (const row of rows) {
      // Empty cells leave a field unchanged; #N/A blanks it.
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) if (v !== '') fields[k] = v === '#N/A' ? null : v;
      const outcome = this.write(job, fields);
      if (isRecordError(outcome)) {
        job.failed.push({
          sf__Id: '',
          sf__Error: `${outcome.statusCode}:${outcome.message}:${outcome.fields.join(',')} --`,
          ...row,
        });
      } else {
        job.successful.push({ sf__Id: outcome.id, sf__Created: String(outcome.created), ...row });
      }
    }
    job.state = 'JobComplete';
  }

  private write(
    job: IngestJob,
    fields: Record<string, unknown>,
  ): { id: string; created: boolean } | RecordError {
    try {
      switch (job.operation) {
        case 'insert': {
          const r = this.org.insert(job.object, fields, {}, ruleOf(job));
          return isRecordError(r) ? r : { id: r.id, created: true };
        }
        case 'upsert': {
          const value = fields[job.externalIdFieldName!];
          if (typeof value !== 'string') {
            return {
              statusCode: 'MISSING_ARGUMENT',
              message: `${job.externalIdFieldName} not specified`,
              fields: [],
            };
          }
          return this.org.upsert(job.object, job.externalIdFieldName!, value, fields, ruleOf(job));
        }
        case 'update': {
          const { Id, ...rest } = fields;
          if (typeof Id !== 'string') {
            return { statusCode: 'MISSING_ARGUMENT', message: 'Id not specified', fields: [] };
          }
          return this.org.update(job.object, Id, rest) ?? { id: Id, created: false };
        }
        default: {
          const id = fields.Id;
          if (typeof id !== 'string' || !this.org.removeRecord(job.object, id)) {
            return { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] };
          }
          return { id, created: false };
        }
      }
    } catch (err) {
      // A whole-request error in REST (unknown column) fails just the row in Bulk API.
      if (err instanceof ApiError) {
        return { statusCode: err.errorCode, message: err.message, fields: err.fields };
      }
      throw err;
    }
  }

  info(job: IngestJob) {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: '0055g000000SbXAAA',
      createdDate: job.createdDate,
      systemModstamp: job.createdDate,
      state: job.state,
      ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(job.apiVersion),
      jobType: 'V2Ingest',
      contentUrl: `services/data/v${job.apiVersion}/jobs/ingest/${job.id}/batches`,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
      numberRecordsProcessed: job.successful.length + job.failed.length,
      numberRecordsFailed: job.failed.length,
      retries: 0,
      totalProcessingTime: 0,
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
    };
  }

  all() {
    return [...this.jobs.values()];
  }
}

function csvResponse(res: Response, rows: Record<string, string>[], columns: string[]): void {
  res.type('text/csv').send(toCsv(rows, columns));
}

export function bulkRoutes(_router: Router, _base: string, ctx: { bulk: BulkJobs }, on: On): void {
  const json = express.json({ limit: '1mb' });
  const csv = express.text({ type: 'text/csv', limit: '150mb' });
  const version = (req: Request) => String(req.params.version).slice(1);
  const id = (req: Request) => String(req.params.id);

  on(
    'post',
    '/jobs/ingest',
    (req, res) => {
      const body = req.body as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object') {
        throw new ApiError(400, 'JSON_PARSER_ERROR', 'job definition must be JSON');
      }
      res.json(ctx.bulk.info(ctx.bulk.create(body, version(req))));
    },
    [json],
  );
  on('get', '/jobs/ingest', (_req, res) => {
    res.json({ done: true, records: ctx.bulk.all().map((j) => ctx.bulk.info(j)), nextRecordsUrl: null });
  });
  on(
    'put',
    '/jobs/ingest/:id/batches',
    (req, res) => {
      if (typeof req.body !== 'string') {
        throw new ApiError(400, 'INVALIDBATCH', 'Content-Type must be text/csv');
      }
      ctx.bulk.upload(id(req), req.body);
      res.status(201).end();
    },
    [csv],
  );
  on(
    'patch',
    '/jobs/ingest/:id',
    (req, res) => {
      res.json(
        ctx.bulk.info(ctx.bulk.setState(id(req), (req.body as { state?: unknown } | undefined)?.state)),
      );
    },
    [json],
  );
  on('get', '/jobs/ingest/:id', (req, res) => {
    res.json(ctx.bulk.info(ctx.bulk.get(id(req))));
  });
  on('get', '/jobs/ingest/:id/successfulResults', (req, res) => {
    const job = ctx.bulk.get(id(req));
    csvResponse(res, job.successful, ['sf__Id', 'sf__Created', ...job.columns]);
  });
  on('get', '/jobs/ingest/:id/failedResults', (req, res) => {
    const job = ctx.bulk.get(id(req));
    csvResponse(res, job.failed, ['sf__Id', 'sf__Error', ...job.columns]);
  });
  on('get', '/jobs/ingest/:id/unprocessedrecords', (req, res) => {
    const job = ctx.bulk.get(id(req));
    csvResponse(res, job.unprocessed, job.columns);
  });
  on('delete', '/jobs/ingest/:id', (req, res) => {
    ctx.bulk.get(id(req));
    res.status(204).end();
  });
}
