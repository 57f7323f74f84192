/**
 * Admin authentication: every page and API answers only to the admin token, given as
 * `Authorization: Bearer …` (API, scripts) or through the sign-in form, which sets an HttpOnly cookie
 * holding an HMAC of the token (never the token itself).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import type { NextFunction, Request, RequestHandler, Response } from 'express';

export const SESSION_COOKIE = 'leadstage_session';

export function sessionValue(adminToken: string): string {
  return createHmac('sha256', adminToken).update('leadstage-admin-session').digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function decodeCookie(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // A malformed escape is not ours: keep it as sent, it will simply not match.
    return value;
  }
}

/** The request's cookies by name (the first of a repeated name wins, as browsers order them). */
export function readCookies(req: Request): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k && !Object.hasOwn(cookies, k)) cookies[k] = decodeCookie(v.join('='));
  }
  return cookies;
}

/** Authenticated by `Authorization: Bearer`, which browsers never attach to a forged request. */
export function hasAdminBearer(req: Request, adminToken: string): boolean {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') === true && safeEqual(header.slice(7), adminToken);
}

export function isAdmin(req: Request, adminToken: string): boolean {
  if (hasAdminBearer(req, adminToken)) return true;
  const cookie = readCookies(req)[SESSION_COOKIE];
  return cookie !== undefined && safeEqual(cookie, sessionValue(adminToken));
}

/** Pages redirect to the sign-in form; the API answers 401 JSON. */
export function requireAdmin(adminToken: string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (isAdmin(req, adminToken)) return next();
    if (req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json') {
      res.status(401).json({ error: { code: 'unauthorized', message: 'admin authentication required' } });
      return;
    }
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  };
}
