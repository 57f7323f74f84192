/**
 * Bulk API 2.0 ingest for large handoffs through jsforce's own Bulk 2.0 support
 * (`conn.bulk2.loadAndWaitForResults`: create job → upload CSV → UploadComplete → poll → successful /
 * failed / unprocessed results), then the job is deleted once its results are read, as
 * API-NOTES §2.4 asks (Salesforce keeps finished jobs for 7 days otherwise). jsforce builds the
 * Bulk 2.0 URLs from the instance origin (`new URL('/services/data/…', instanceUrl)`), which is
 * right for every Salesforce org: resources sit at the instance's root.
 * @see https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0.htm
 */
import type { Connection } from 'jsforce';

import { ApiLimitExceededError, AuthError, TransientError } from '../../src/errors.ts';
import type { HandoffResult } from '../../src/model.ts';
import type { SalesforceClient } from './client.ts';
import type { SalesforceConfig } from './config.ts';
import { toCsv } from './csv.ts';
import { recordFailure, type Row } from './results.ts';
/** `REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --` → parts. */
export function parseBulkError(text: string): { errorCode: string; message: string; fields?: string[] } {
  const m = /^([A-Z_]+):(.*)$/s.exec(text.trim());
  if (!m) return { errorCode: 'UNKNOWN_ERROR', message: text.trim() };
  // `CODE:message:fields --`; with no fields the message ends in the bare separator.
  let message = m[2]!.replace(/\s*--\s*$/, '').trim();
  if (message.endsWith(':')) message = message.slice(0, -1).trimEnd();
  const fieldsPart = /:([A-Za-z0-9_,]+)$/.exec(message);
  let fields: string[] | undefined;
  if (fieldsPart) {
    fields = fieldsPart[1]!.split(',').filter(Boolean);
    message = message.slice(0, fieldsPart.index).trim();
  }
  return { errorCode: m[1]!, message, ...(fields?.length ? { fields } : {}) };
}

/**
 * The calls one load makes (create, upload, close, at least one poll, three result reads, delete),
 * counted as one logical call of this weight: jsforce makes them inside one library call.
 */
export const BULK_LOAD_CALLS = 8;

type BulkV2 = Connection['bulk2'];
type IngestJob = ReturnType<BulkV2['createJob']>;
type Results = Awaited<ReturnType<BulkV2['loadAndWaitForResults']>>;

export class BulkIngest {
  private readonly client: SalesforceClient;
  private readonly config: SalesforceConfig;
  constructor(client: SalesforceClient, config: SalesforceConfig) {
    this.client = client;
    this.config = config;
  }

  /** `assignmentRuleId`: the Lead assignment rule the job runs on the records it creates (none otherwise). */
  async upsert(
    object: string,
    externalIdField: string,
    rows: Row[],
    assignmentRuleId?: string,
  ): Promise<HandoffResult> {
    let job: IngestJob | undefined;
    let results: Results;
    try {
      results = await this.client.call(
        'POST /jobs/ingest (bulk2 load)',
        (conn) => {
          // A view of the connection's BulkV2 that remembers the job it creates, so it can be deleted.
          const bulk2 = Object.create(conn.bulk2) as BulkV2;
          bulk2.createJob = (options) => (job = conn.bulk2.createJob(options));
          return bulk2.loadAndWaitForResults({
            object,
            operation: 'upsert',
            externalIdFieldName: externalIdField,
            ...(assignmentRuleId ? { assignmentRuleId } : {}),
            // CSV written here, so every row has the union of columns: a missing value is an empty
            // cell, which Bulk API leaves unchanged (#N/A would blank it).
            input: toCsv(rows.map((r) => r.fields)),
            pollInterval: this.config.bulkPollIntervalMs,
            pollTimeout: this.config.bulkPollTimeoutMs,
          });
        },
        BULK_LOAD_CALLS,
      );
    } catch (err) {
      const message = (err as Error).message;
      if ((err as { name?: string }).name === 'JobPollingTimeoutError') {
        throw new TransientError(`Salesforce bulk job ${job?.id ?? ''} still running: ${message}`);
      }
      // The job itself failed or was aborted (jsforce's IngestJobV2.poll): every row may go again.
      const jobEnded = /^(Ingest job failed to complete|Job has been aborted)/.exec(message);
      if (!jobEnded) throw err;
      return {
        ok: [],
        failed: rows.map((r) => ({
          id: r.externalId,
          code: jobEnded[1] === 'Job has been aborted' ? 'BULK_JOB_ABORTED' : 'BULK_JOB_FAILED',
          message,
          retryable: true,
        })),
      };
    }
    const out = this.read(results, externalIdField, rows);
    if (job) await this.delete(job);
    return out;
  }

  /** API-NOTES §2.4: delete the job once its results are read; a failure here loses nothing. */
  private async delete(job: IngestJob): Promise<void> {
    try {
      await this.client.call('DELETE /jobs/ingest/{id}', () => job.delete());
    } catch (err) {
      // Salesforce deletes finished jobs after 7 days anyway; auth and budget errors still stop the run.
      if (err instanceof AuthError || err instanceof ApiLimitExceededError) throw err;
    }
  }

  private read(results: Results, externalIdField: string, rows: Row[]): HandoffResult {
    const out: HandoffResult = { ok: [], failed: [] };
    const seen = new Set<string>();
    for (const r of results.successfulResults) {
      const externalId = (r as unknown as Record<string, string | undefined>)[externalIdField] ?? '';
      seen.add(externalId);
      out.ok.push({ externalId, crmId: r.sf__Id, created: r.sf__Created === 'true' });
    }
    for (const r of results.failedResults) {
      const externalId = (r as unknown as Record<string, string | undefined>)[externalIdField] ?? '';
      seen.add(externalId);
      out.failed.push(recordFailure(externalId, parseBulkError(r.sf__Error)));
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
}
