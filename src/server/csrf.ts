/**
 * Cross-site request forgery defence for everything the session cookie authenticates: a state
 * change must come from our own origin (Origin, else Referer) and carry a signed double-submit token
 * (csrf-csrf) bound to the session, sent as the `x-csrf-token` header or the forms' `_csrf` field.
 * Bearer-token calls are exempt: a browser never attaches that header to a forged request.
 */
import { createHmac } from 'node:crypto';

import { doubleCsrf } from 'csrf-csrf';
import type { Request, RequestHandler } from 'express';

import { SESSION_COOKIE, hasAdminBearer, readCookies } from './admin-auth.ts';
import { HttpProblem } from './http-errors.ts';

export const CSRF_FIELD = '_csrf';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameOrigin(value: string, origin: string): boolean {
  try {
    return new URL(value).origin === origin;
  } catch {
    return false;
  }
}

/**
 * Refuses a state change whose Origin (or, lacking one, Referer) names another site. Browsers send
 * Origin on every cross-site POST, `text/plain` ones included; `Origin: null` (a sandboxed frame, a
 * data: URL) is refused too. A request with neither is left to the token check.
 */
export function requireSameOrigin(publicUrl: string, adminToken: string): RequestHandler {
  const origin = new URL(publicUrl).origin;
  return (req, _res, next) => {
    if (!UNSAFE.has(req.method) || hasAdminBearer(req, adminToken)) return next();
    const claimed = req.headers.origin ?? req.headers.referer;
    if (claimed !== undefined && !sameOrigin(claimed, origin)) {
      return next(
        new HttpProblem(403, 'cross_origin', `state changes are only accepted from ${origin} itself`),
      );
    }
    next();
  };
}

export interface CsrfProtection {
  /** Validates unsafe cookie-authenticated requests (run after the body is parsed). */
  protect: RequestHandler;
  /** The token for the page being rendered; sets its cookie when missing. */
  token(req: Request, res: Parameters<RequestHandler>[1]): string;
}

export function csrfProtection(adminToken: string, secureCookies: boolean): CsrfProtection {
  // Derived, so a new ADMIN_TOKEN also invalidates every token issued under the old one.
  const secret = createHmac('sha256', adminToken).update('leadstage-csrf').digest('base64url');
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => readCookies(req)[SESSION_COOKIE] ?? '',
    // `__Host-` binds the cookie to this exact origin, but browsers accept it over HTTPS only.
    cookieName: secureCookies ? '__Host-leadstage.csrf' : 'leadstage_csrf',
    cookieOptions: { sameSite: 'strict', secure: secureCookies, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => {
      const header = req.headers['x-csrf-token'];
      if (typeof header === 'string') return header;
      const field = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
      return typeof field === 'string' ? field : undefined;
    },
    skipCsrfProtection: (req) => hasAdminBearer(req, adminToken),
  });
  const withCookies: RequestHandler = (req, _res, next) => {
    // csrf-csrf reads `req.cookies`, which Express leaves to a cookie parser.
    (req as { cookies?: Record<string, string> }).cookies ??= readCookies(req);
    next();
  };
  return {
    protect: (req, res, next) => withCookies(req, res, () => doubleCsrfProtection(req, res, next)),
    token: (req, res) => {
      (req as { cookies?: Record<string, string> }).cookies ??= readCookies(req);
      return generateCsrfToken(req, res);
    },
  };
}
