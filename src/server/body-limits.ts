/**
 * How large a body each route takes, and in which format. Anything larger is refused with 413 before
 * it is buffered whole; the API reads JSON only (415 otherwise) and pages read their forms.
 */
import express, { type RequestHandler } from 'express';

import { HttpProblem } from './http-errors.ts';

/** HubSpot sends up to 100 events a delivery (a few kB each at most); Mautic batches similarly. */
export const WEBHOOK_BODY_LIMIT = '1mb';
/** A token and a return path. */
export const LOGIN_BODY_LIMIT = '4kb';
/** Dashboard forms: a connect form's base URL and the anti-forgery token. */
export const PAGE_FORM_LIMIT = '8kb';

/** API routes by the largest body they need; the first match wins. */
const API_LIMITS: [RegExp, string][] = [
  // A model's YAML may be up to 1,000,000 characters; escaped as JSON it grows.
  [/^\/api\/workspaces\/[^/]+\/model(\/preview)?$/, '2mb'],
  [/^\/api\/models\/check$/, '2mb'],
  [/^\/api\/workspaces$/, '2mb'],
  // A mapping's YAML is at most 256 KB (src/mappings/workspace-mappings.ts); escaped as JSON it grows.
  [/^\/api\/workspaces\/[^/]+\/mappings\/[^/]+$/, '1mb'],
  [/^\/api\//, '64kb'],
];

const jsonParsers = new Map(
  [...new Set(API_LIMITS.map(([, limit]) => limit))].map((limit) => [
    limit,
    express.json({ limit, strict: true }),
  ]),
);
const pageForm = express.urlencoded({ extended: false, limit: PAGE_FORM_LIMIT });
/** Console forms that carry a YAML text (a new workspace's model, a mapping), URL-encoded. */
const TEXT_FORM = /^\/workspaces(\/[^/]+\/mappings\/[^/]+)?$/;
const textForm = express.urlencoded({ extended: false, limit: '2mb' });

function hasBody(headers: NodeJS.Dict<string | string[]>): boolean {
  return headers['transfer-encoding'] !== undefined || (Number(headers['content-length']) || 0) > 0;
}

/** Parses the admin API's JSON and the pages' forms, each with its route's limit. */
export const adminBodies: RequestHandler = (req, res, next) => {
  if (!req.path.startsWith('/api/')) return (TEXT_FORM.test(req.path) ? textForm : pageForm)(req, res, next);
  if (hasBody(req.headers) && !req.is('application/json')) {
    return next(
      new HttpProblem(
        415,
        'unsupported_media_type',
        'the API reads JSON bodies: send Content-Type: application/json',
      ),
    );
  }
  const limit = API_LIMITS.find(([route]) => route.test(req.path))?.[1] ?? '64kb';
  return jsonParsers.get(limit)!(req, res, next);
};
