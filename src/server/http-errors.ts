/**
 * Turns thrown errors into answers: zod and model problems name the field or line; errors raised by
 * the HTTP layer (body parsing, URL decoding, CSRF) get a stable code and a fixed message; the rest
 * is generic. Nothing of an error's stack, a file path or a library's own message reaches a client.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';

import { ConfigError, SyncError, ValidationError } from '../errors.ts';
import type { Logger } from '../log.ts';

import { renderMessagePage } from './pages/layout.ts';

export class NotFoundError extends Error {
  readonly status = 404;
}

/** An answer decided by the HTTP layer itself: its message is ours and safe to show. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: string;
  /** Seconds, for 429 and 503. */
  readonly retryAfterSeconds: number | undefined;
  constructor(status: number, code: string, message: string, retryAfterSeconds?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
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

/**
 * What body-parser (its `type`), the router (a URIError with status 400) and csrf-csrf (its
 * `code`) raise, in our words. Their own messages name the library or echo the input.
 */
function fromHttpLayer(err: unknown): HttpProblem | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { type?: unknown; code?: unknown; status?: unknown };
  switch (e.type) {
    case 'entity.too.large':
    case 'parameters.too.many':
      return new HttpProblem(413, 'payload_too_large', 'the request body is larger than this route accepts');
    case 'entity.parse.failed':
      return new HttpProblem(400, 'malformed_body', 'the request body is not a JSON object or array');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, 'unsupported_media_type', 'the request body encoding is not supported');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'entity.verify.failed':
      return new HttpProblem(400, 'bad_request', 'the request body could not be read');
  }
  if (e.code === 'EBADCSRFTOKEN') {
    return new HttpProblem(
      403,
      'csrf_failed',
      'the form is missing its anti-forgery token or it does not match: reload the page and try again',
    );
  }
  if (err instanceof URIError) {
    return new HttpProblem(400, 'bad_uri', 'the address contains an invalid percent-encoding');
  }
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    return new HttpProblem(status, 'bad_request', 'the request could not be understood');
  }
  return undefined;
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
  if (err instanceof HttpProblem) {
    return { status: err.status, body: { error: { code: err.code, message: err.message } } };
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
  const problem = fromHttpLayer(err);
  if (problem) return describeError(problem, log);
  log.error('request failed', { error: err instanceof Error ? err.message : String(err) });
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'something went wrong; see the server log' } },
  };
}

/** The API, webhooks and machine clients read JSON; a browser navigating gets a page. */
export function wantsJson(req: Request): boolean {
  const path = req.originalUrl;
  if (/^\/(api|webhooks|healthz|metrics)(\/|\?|$)/.test(path)) return true;
  return req.accepts(['html', 'json']) === 'json';
}

const PAGE_TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Not found',
  413: 'Too large',
  415: 'Unsupported content',
  429: 'Too many attempts',
  500: 'Something went wrong',
  502: 'A vendor did not answer as expected',
  503: 'Try again shortly',
};

/** Answers `err` as JSON or as a page, whichever the client reads. */
export function sendError(res: Response, err: unknown, log: Logger, req?: Request): void {
  const { status, body } = describeError(err, log);
  if (err instanceof HttpProblem && err.retryAfterSeconds !== undefined) {
    res.set('Retry-After', String(err.retryAfterSeconds));
  }
  if (req && !wantsJson(req)) {
    // The page token is offered only past admin auth: then the error page keeps the console's navigation.
    const signedIn = typeof (res.locals as { csrfToken?: unknown }).csrfToken === 'function';
    res
      .status(status)
      .type('html')
      .send(
        renderMessagePage(PAGE_TITLES[status] ?? 'Something went wrong', body.error.message, {
          signedIn,
          status,
        }),
      );
    return;
  }
  res.status(status).json(body);
}

/** The last handler of the app: every error passed on, by us or a library, is answered here. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    // Headers already sent: only Express can end the response (it destroys the socket).
    if (res.headersSent) return next(err);
    sendError(res, err, log, req);
  };
}

/** Nothing matched: 404 as a page or JSON. */
export function notFoundHandler(log: Logger): RequestHandler {
  return (req, res) => {
    sendError(res, new NotFoundError('no such page or API route'), log, req);
  };
}

/** An API route whose failures are answered as JSON with the field named (Express 5 would pass them on). */
export const jsonRoute =
  (log: Logger) =>
  (fn: (req: Request, res: Response) => Promise<void>) =>
  async (req: Request, res: Response): Promise<void> => {
    try {
      await fn(req, res);
    } catch (err) {
      sendError(res, err, log);
    }
  };
