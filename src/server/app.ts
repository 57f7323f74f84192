/**
 * The web app: security headers, admin sign-in, health and metrics, then the routers the caller
 * assembles (admin API and pages behind admin auth; webhooks and OAuth callbacks authenticated by
 * signature and server-side state).
 */
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';

import type { Logger } from '../log.ts';

import { SESSION_COOKIE, requireAdmin, safeEqual, sessionValue } from './admin-auth.ts';
import type { Metrics } from './metrics.ts';
import { renderLoginPage } from './pages/login-page.ts';

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface AppOptions {
  adminToken: string;
  log: Logger;
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

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
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
      strictTransportSecurity: options.secureCookies ?? false,
    }),
  );

  app.get('/healthz', async (_req, res) => {
    const report = await options.health();
    res.status(report.ok ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    await options.beforeScrape?.();
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });

  if (options.webhooks) app.use('/webhooks', express.raw({ type: '*/*', limit: '1mb' }), options.webhooks);
  if (options.oauthCallbacks) app.use('/oauth', options.oauthCallbacks);

  app.get('/login', (req, res) => {
    res.type('html').send(renderLoginPage(safeNext(req.query.next), false));
  });
  app.post('/login', express.urlencoded({ extended: false, limit: '10kb' }), (req, res) => {
    const body = req.body as { token?: unknown; next?: unknown };
    const next = safeNext(body.next);
    if (typeof body.token !== 'string' || !safeEqual(body.token, options.adminToken)) {
      options.log.warn('admin sign-in refused', { ip: req.ip });
      res.status(401).type('html').send(renderLoginPage(next, true));
      return;
    }
    res.cookie(SESSION_COOKIE, sessionValue(options.adminToken), {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secureCookies ?? false,
      path: '/',
    });
    res.redirect(303, next);
  });

  app.post('/logout', (_req, res) => {
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/login');
  });

  app.use(requireAdmin(options.adminToken));
  app.use(express.json({ limit: '1mb' }));
  if (options.admin) app.use(options.admin);
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no such page' } });
  });
  return app;
}
