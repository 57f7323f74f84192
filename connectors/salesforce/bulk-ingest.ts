/**
 * Bulk API 2.0 ingest for large handoffs: create job → upload CSV → UploadComplete → poll →
 * successful / failed / unprocessed results. Written on `conn.request` (not `conn.bulk2`) because
 * jsforce's bulk2 builds URLs from the instance origin and drops any path prefix, and so that each
 * step goes through the client's budget check and call counter like every other call.
 */
import { z } from 'zod';

import { TransientError } from '../../src/errors.ts';
import type { HandoffResult } from '../../src/model.ts';
import type { SalesforceClient } from './client.ts';
import type { SalesforceConfig } from './config.ts';
import { parseCsv, toCsv } from './csv.ts';
import { recordFailure, type Row } from './results.ts';

const jobInfoSchema = z.looseObject({
  id: z.string(),
  state: z.enum(['Open', 'UploadComplete', 'InProgress', 'JobComplete', 'Failed', 'Aborted']),
  errorMessage: z.string().nullish(),
  numberRecordsProcessed: z.number().optional(),
  numberRecordsFailed: z.number().optional(),
});
type JobInfo = z.infer<typeof jobInfoSchema>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --` → parts. */
export function parseBulkError(text: string): { errorCode: string; message: string; fields?: string[] } {
  const m = /^([A-Z_]+):(.*)$/s.exec(text.trim());
  if (!m) return { errorCode: 'UNKNOWN_ERROR', message: text.trim() };
  let message = m[2]!.replace(/\s*--\s*$/, '').trim();
  const fieldsPart = /:([A-Za-z0-9_,]+)$/.exec(message);
  let fields: string[] | undefined;
  if (fieldsPart) {
    fields = fieldsPart[1]!.split(',').filter(Boolean);
    message = message.slice(0, fieldsPart.index).trim();
  }
  return { errorCode: m[1]!, message, ...(fields?.length ? { fields } : {}) };
}

export class BulkIngest {
  private readonly client: SalesforceClient;
  private readonly config: SalesforceConfig;
  constructor(client: SalesforceClient, config: SalesforceConfig) {
    this.client = client;
    this.config = config;
  }

  async upsert(object: string, externalIdField: string, rows: Row[]): Promise<HandoffResult> {
    const created = await this.request('POST /jobs/ingest', {
      method: 'POST',
      url: '/jobs/ingest',
      body: JSON.stringify({
        object,
        operation: 'upsert',
        externalIdFieldName: externalIdField,
        contentType: 'CSV',
        lineEnding: 'LF',
        columnDelimiter: 'COMMA',
      }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    const job = jobInfoSchema.parse(created);
    await this.request('PUT /jobs/ingest/{id}/batches', {
      method: 'PUT',
      url: `/jobs/ingest/${job.id}/batches`,
      // A missing value is an empty cell, which Bulk API leaves unchanged (#N/A would blank it).
      body: toCsv(rows.map((r) => r.fields)),
      headers: { 'Content-Type': 'text/csv' },
    });
    await this.request('PATCH /jobs/ingest/{id}', {
      method: 'PATCH',
      url: `/jobs/ingest/${job.id}`,
      body: JSON.stringify({ state: 'UploadComplete' }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    const done = await this.poll(job.id);
    if (done.state !== 'JobComplete') {
      return {
        ok: [],
        failed: rows.map((r) => ({
          id: r.externalId,
          code: done.state === 'Aborted' ? 'BULK_JOB_ABORTED' : 'BULK_JOB_FAILED',
          message: done.errorMessage ?? `bulk job ${done.state.toLowerCase()}`,
          retryable: true,
        })),
      };
    }
    return this.results(job.id, externalIdField, rows);
  }

  private async poll(jobId: string): Promise<JobInfo> {
    const deadline = Date.now() + this.config.bulkPollTimeoutMs;
    for (let first = true; ; first = false) {
      if (!first) await sleep(this.config.bulkPollIntervalMs);
      const info = jobInfoSchema.parse(
        await this.request('GET /jobs/ingest/{id}', { method: 'GET', url: `/jobs/ingest/${jobId}` }),
      );
      if (info.state === 'JobComplete' || info.state === 'Failed' || info.state === 'Aborted') return info;
      if (Date.now() > deadline) {
        throw new TransientError(
          `Salesforce bulk job ${jobId} still ${info.state} after ${this.config.bulkPollTimeoutMs} ms`,
        );
      }
    }
  }

  private async results(jobId: string, externalIdField: string, rows: Row[]): Promise<HandoffResult> {
    const csv = async (kind: string) =>
      parseCsv(
        String(
          await this.request(
            `GET /jobs/ingest/{id}/${kind}`,
            { method: 'GET', url: `/jobs/ingest/${jobId}/${kind}` },
            'text/plain',
          ),
        ),
      );
    const out: HandoffResult = { ok: [], failed: [] };
    const seen = new Set<string>();
    for (const r of await csv('successfulResults')) {
      const externalId = r[externalIdField] ?? '';
      seen.add(externalId);
      out.ok.push({ externalId, crmId: r.sf__Id ?? '', created: r.sf__Created === 'true' });
    }
    for (const r of await csv('failedResults')) {
      const externalId = r[externalIdField] ?? '';
      seen.add(externalId);
      out.failed.push(recordFailure(externalId, parseBulkError(r.sf__Error ?? '')));
    }
    // Unprocessed, or absent from every result set: both are safe to send again.
    for (const row of rows) {
      if (!seen.has(row.externalId)) {
        out.failed.push({
          id: row.externalId,
          code: 'UNPROCESSED',
          message: 'not processed by the bulk job',
          retryable: true,
        });
      }
    }
    return out;
  }

  private request(
    endpoint: string,
    req: {
      method: 'GET' | 'POST' | 'PUT' | 'PATCH';
      url: string;
      body?: string;
      headers?: Record<string, string>;
    },
    responseType?: string,
  ): Promise<unknown> {
    return this.client.call(endpoint, (conn) =>
      conn.request<unknown>(req, responseType ? { responseType } : {}),
    );
  }
}
