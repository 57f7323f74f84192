/**
 * The web app: security headers, admin sign-in (throttled), health and metrics, then the routers the
 * caller assembles (admin API and pages behind admin auth, Origin and CSRF checks; webhooks and
 * OAuth callbacks authenticated by signature and server-side state). One error handler answers
 * every failure, as JSON or as a page.
 */
import express, { type Express, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';

import type { Logger } from '../log.ts';

import { SESSION_COOKIE, requireAdmin, safeEqual, sessionValue } from './admin-auth.ts';
import { adminBodies, LOGIN_BODY_LIMIT, WEBHOOK_BODY_LIMIT } from './body-limits.ts';
import { csrfProtection, requireSameOrigin } from './csrf.ts';
import { HttpProblem, errorHandler, notFoundHandler } from './http-errors.ts';
import type { Metrics } from './metrics.ts';
import { renderLoginPage } from './pages/login-page.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface AppOptions {
  adminToken: string;
  /** Where the admin's browser reaches the app: the only origin state changes are taken from. */
  publicUrl: string;
  log: Logger;
  signIn: SignInThrottle;
  metrics: Metrics;
  health(): Promise<HealthReport>;
  /** Before admin auth: signature-verified vendor webhooks (they need the raw body). */
  webhooks?: Router;
  /** Before admin auth: OAuth callbacks, authenticated by their server-side `state`. */
  oauthCallbacks?: Router;
  /** Behind admin auth. */
  admin?: Router;
  /** Refreshes gauges (queue depth…) before each scrape. */
  beforeScrape?: () => Promise<void>;
  secureCookies?: boolean;
  /** Express's `trust proxy`: whose X-Forwarded-For gives the client address. @default none */
  trustProxy?: string;
  /**
   * Where forms may lead besides this origin. A connect button posts here and is redirected to the
   * vendor's authorize page; browsers apply `form-action` to that redirect too. @default ['https:']
   */
  formActionSources?: string[];
}

/** Only same-origin paths: `//evil.example` is a path to the browser's eyes but another host. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\')
    ? next
    : '/';
}

/** Admin pages and API answers carry tokens' effects and personal data: no cache keeps them. */
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy) {
    app.set(
      'trust proxy',
      /^\d+$/.test(options.trustProxy) ? Number(options.trustProxy) : options.trustProxy,
    );
  }
  const secureCookies = options.secureCookies ?? false;
  const sameOrigin = requireSameOrigin(options.publicUrl, options.adminToken);
  const csrf = csrfProtection(options.adminToken, secureCookies);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'", "'unsafe-inline'"],
          'form-action': ["'self'", ...(options.formActionSources ?? ['https:'])],
          // Served over plain HTTP (a laptop, a sandbox), upgrading would break every same-origin fetch.
          'upgrade-insecure-requests': options.secureCookies ? [] : null,
        },
      },
      strictTransportSecurity: secureCookies,
      // helmet's `no-referrer` makes browsers send `Origin: null` on our own form posts, which the
      // same-origin check must refuse; `same-origin` still tells other sites nothing.
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  app.use(noStore);

  app.get('/healthz', async (_req, res) => {
    const report = await options.health();
    res.status(report.ok ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    await options.beforeScrape?.();
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });

  if (options.webhooks) {
    app.use('/webhooks', express.raw({ type: '*/*', limit: WEBHOOK_BODY_LIMIT }), options.webhooks);
  }
  if (options.oauthCallbacks) app.use('/oauth', options.oauthCallbacks);

  app.get('/login', (req, res) => {
    res.type('html').send(renderLoginPage(safeNext(req.query.next), false));
  });
  const signInForm = express.urlencoded({ extended: false, limit: LOGIN_BODY_LIMIT });
  app.post('/login', sameOrigin, signInForm, async (req, res) => {
    const address = req.ip ?? 'unknown';
    const wait = await options.signIn.attempt(address);
    if (wait !== null) {
      options.log.warn('admin sign-in throttled', { ip: address, retryAfterSeconds: wait });
      throw new HttpProblem(
        429,
        'too_many_attempts',
        `Too many sign-in attempts: try again in ${wait} seconds.`,
        wait,
      );
    }
    const body = (req.body ?? {}) as { token?: unknown; next?: unknown };
    const next = safeNext(body.next);
    if (typeof body.token !== 'string' || !safeEqual(body.token, options.adminToken)) {
      options.log.warn('admin sign-in refused', { ip: address });
      res.status(401).type('html').send(renderLoginPage(next, true));
      return;
    }
    await options.signIn.succeeded(address);
    res.cookie(SESSION_COOKIE, sessionValue(options.adminToken), {
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies,
      path: '/',
    });
    res.redirect(303, next);
  });

  app.post('/logout', sameOrigin, (_req, res) => {
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/login');
  });

  app.use(requireAdmin(options.adminToken));
  app.use(sameOrigin);
  app.use(adminBodies);
  app.use(csrf.protect);
  // Pages put the token in their forms; `csrfToken()` also sets its cookie.
  app.use((req, res, next) => {
    res.locals.csrfToken = () => csrf.token(req, res);
    next();
  });
  if (options.admin) app.use(options.admin);
  app.use(notFoundHandler(options.log));
  app.use(errorHandler(options.log));
  return app;
}
