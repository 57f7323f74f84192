/** What every sandbox route handler gets, and small helpers they share. */
import type { Request, Response } from 'express';

import type { PhpValue } from './php-params.ts';
import { str } from './php-params.ts';
import type { SandboxState } from './state.ts';

export const BATCH_LIMIT = 200;
export const NOT_FOUND = 'Item was not found.';
/** `mautic.api.call.batch_exception` (ApiBundle/Translations/en_US/messages.ini, Mautic 5.1). */
export const batchLimitMessage = (limit: number) => `A max of ${limit} entities are supported at a time.`;

export type Handler = (req: Request, res: Response) => void;

export interface RouteDeps {
  state: () => SandboxState;
  now: () => number;
  /** The instance's `default_timezone` (Mautic's own default is UTC: CoreBundle/Config/config.php). */
  timeZone: string;
  /**
   * Whether a contact edit takes the `stage` parameter (Mautic 5's LeadApiController does). When
   * false, the stage is refused as an extra form field, as an instance whose contact form lacks it
   * would answer: a GUESS at that shape (the form's "extra fields" message), not seen on a real one.
   */
  stageInEdit: () => boolean;
}

export function int(v: PhpValue | undefined, fallback: number): number {
  const n = Number(str(v));
  return str(v) !== undefined && Number.isInteger(n) && n >= 0 ? n : fallback;
}

/**
 * `FetchCommonApiController::returnError` (Mautic 5.1): `{"errors": [{code, message, details, type}]}`
 * with `details` the form errors by field (or `[]`) and `type` null; `notFound()` is this with 404 and
 * `mautic.core.error.notfound` ("Item was not found.").
 * @see https://github.com/mautic/mautic/blob/5.1/app/bundles/ApiBundle/Controller/FetchCommonApiController.php
 */
export function returnError(
  res: Response,
  status: number,
  message: string,
  details: Record<string, string[]> | [] = [],
): void {
  res.status(status).json({ errors: [{ code: status, message, details, type: null }] });
}

export function sendJson(res: Response, status: number, text: string): void {
  res.status(status).type('application/json').send(text);
}
