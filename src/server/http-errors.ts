/** Turns thrown errors into answers: zod and model problems name the field or line; the rest is generic. */
import type { Response } from 'express';
import { z } from 'zod';

import { ConfigError, SyncError, ValidationError } from '../errors.ts';
import type { Logger } from '../log.ts';

export class NotFoundError extends Error {
  readonly status = 404;
}

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    fields?: { path: string; message: string }[];
    /** Model problems, each with file, line, column, path and message. */
    problems?: unknown;
  };
}

export function fieldIssues(err: z.ZodError): { path: string; message: string }[] {
  return err.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

/** Status and body for an error; unknown errors are logged and answered without detail. */
export function describeError(err: unknown, log: Logger): { status: number; body: ErrorBody } {
  if (err instanceof z.ZodError) {
    const fields = fieldIssues(err);
    return {
      status: 400,
      body: {
        error: {
          code: 'validation_error',
          message: fields.map((f) => `${f.path}: ${f.message}`).join('; '),
          fields,
        },
      },
    };
  }
  if (err instanceof NotFoundError) {
    return { status: 404, body: { error: { code: 'not_found', message: err.message } } };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'model_invalid' && err instanceof Error) {
    const problems = (err as { problems?: unknown }).problems;
    return { status: 400, body: { error: { code: 'model_invalid', message: err.message, problems } } };
  }
  if (err instanceof DOMException && err.name === 'TimeoutError') {
    const message = 'the model preview took too long; try again or preview on fewer contacts';
    return { status: 503, body: { error: { code: 'timeout', message } } };
  }
  if (err instanceof ValidationError || err instanceof ConfigError) {
    return { status: 400, body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof SyncError) {
    return { status: 502, body: { error: { code: err.code, message: err.message } } };
  }
  log.error('request failed', { error: err instanceof Error ? err.message : String(err) });
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'something went wrong; see the server log' } },
  };
}

export function sendError(res: Response, err: unknown, log: Logger): void {
  const { status, body } = describeError(err, log);
  res.status(status).json(body);
}
