/**
 * Assembles the web app from its parts; `startWebServer` also listens. Store, Redis, queues and the
 * connector registry come from the caller (the `serve` command, or a test with its own prefix).
 */
import { createServer, type Server } from 'node:http';

import express, { type Express } from 'express';

import type { Env } from '../config/env.ts';
import { listenOn } from '../http/listen.ts';

import { apiRouter } from './api.ts';
import { createApp } from './app.ts';
import { assetsRouter } from './assets.ts';
import { consoleApiRouter } from './console-api.ts';
import type { ServerContext } from './context.ts';
import { healthReport } from './health.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { refreshMetrics } from './metrics-refresh.ts';
import { OAuthStateStore } from './oauth-state.ts';
import { observeApiRouter } from './observe-api.ts';
import { SignInThrottle, type SignInThrottleOptions } from './sign-in-throttle.ts';
import { DeliveryLedger } from './webhook-ledger.ts';
import { oauthCallbackRouter, pagesRouter } from './pages-router.ts';
import { trimSlash } from './vendors.ts';
import { webhookRouter } from './webhooks.ts';

/** What the web app is built from; the OAuth state store is made here, metrics when not given. */
export type WebServerDeps = Omit<ServerContext, 'metrics' | 'states' | 'deliveries' | 'signIn'> & {
  metrics?: Metrics;
  /** @default DEFAULT_SIGN_IN_LIMITS */
  signInLimits?: SignInThrottleOptions;
};

export function createServerContext(deps: WebServerDeps): ServerContext {
  const adminToken = deps.env.ADMIN_TOKEN;
  if (!adminToken) throw new Error('ADMIN_TOKEN is required');
  return {
    env: deps.env,
    store: deps.store,
    redis: deps.redis,
    queues: deps.queues,
    queuePrefix: deps.queuePrefix,
    registry: deps.registry,
    log: deps.log,
    metrics: deps.metrics ?? createMetrics(),
    states: new OAuthStateStore(deps.redis, `${deps.queuePrefix}:oauth-state:`),
    deliveries: new DeliveryLedger(deps.redis, `${deps.queuePrefix}:webhook-seen:`),
    signIn: new SignInThrottle(deps.redis, `${deps.queuePrefix}:sign-in:`, deps.signInLimits),
  };
}

/** Origins a connect form may be redirected to: HTTPS anywhere, plus the configured vendor URLs (a local sandbox is HTTP). */
function formActionSources(env: Env): string[] {
  const origins = [env.HUBSPOT_AUTHORIZE_URL, env.HUBSPOT_API_BASE_URL, env.SALESFORCE_LOGIN_URL].map(
    (u) => new URL(u).origin,
  );
  return ['https:', ...new Set(origins.filter((o) => o.startsWith('http:')))];
}

export function buildWebApp(ctx: ServerContext): Express {
  const admin = express.Router();
  admin.use(assetsRouter(ctx.log));
  admin.use('/api', consoleApiRouter(ctx));
  admin.use('/api', observeApiRouter(ctx));
  admin.use('/api', apiRouter(ctx));
  admin.use(pagesRouter(ctx));
  return createApp({
    adminToken: ctx.env.ADMIN_TOKEN ?? '',
    publicUrl: ctx.env.PUBLIC_URL,
    log: ctx.log,
    signIn: ctx.signIn,
    metrics: ctx.metrics,
    health: () => healthReport(ctx),
    beforeScrape: () => refreshMetrics(ctx),
    webhooks: webhookRouter(ctx),
    oauthCallbacks: oauthCallbackRouter(ctx),
    admin,
    secureCookies: trimSlash(ctx.env.PUBLIC_URL).startsWith('https:'),
    ...(ctx.env.LEADSTAGE_TRUST_PROXY ? { trustProxy: ctx.env.LEADSTAGE_TRUST_PROXY } : {}),
    formActionSources: formActionSources(ctx.env),
  });
}

export interface RunningWebServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one); PUBLIC_URL defaults to the address listened on when unset. */
export async function listen(app: Express, port: number, host = '0.0.0.0'): Promise<RunningWebServer> {
  const server = createServer(app);
  const address = await listenOn(server, port, host);
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeIdleConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
