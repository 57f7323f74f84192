/**
 * Every route the app serves (read from its router, so a route added later is covered too) gets a
 * corpus of malformed requests: broken encodings in the path and query, bodies that are not what
 * the route reads, oversize and compressed garbage, under every kind of authentication. No answer
 * may be a 500 or carry a stack frame, a file path or a library's name.
 */
import { gzipSync } from 'node:zlib';

import type { Express } from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { SESSION_COOKIE, sessionValue } from '../../src/server/admin-auth.ts';
import { buildWebApp } from '../../src/server/server.ts';

import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';
import { expectNothingInternal } from './internals.ts';

interface RouteInfo {
  method: string;
  path: string;
}

interface LayerLike {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/** The routes of an Express 5 app, nested routers included, with their mount paths joined. */
function routesOf(stack: LayerLike[], prefix = ''): RouteInfo[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      return Object.keys(layer.route.methods).map((m) => ({
        method: m.toUpperCase(),
        path: `${prefix}${layer.route!.path}`,
      }));
    }
    const nested = layer.handle?.stack;
    if (!nested) return [];
    const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    return routesOf(nested, `${prefix}${mount}`);
  });
}

let h: Harness;
let workspaceId: string;
beforeAll(async () => {
  h = await startHarness({ HUBSPOT_CLIENT_ID: 'app', HUBSPOT_CLIENT_SECRET: 'hubspot-secret-for-tests' });
  workspaceId = (await h.createWorkspace('acme', 'hubspot')).id;
});
afterAll(async () => {
  await h.close();
});

const BAD_PARAMS = ['%E0%A4%A', '%', `${'x'.repeat(3000)}`, '..%2F..%2Fetc%2Fpasswd', '%00'];

/** The route's path with every parameter filled by `value` (`:id` also by the real workspace id). */
function fill(path: string, value: (name: string) => string): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => value(name));
}

function pathsFor(route: RouteInfo): string[] {
  if (!route.path.includes(':')) return [route.path, `${route.path}?next=%E0%A4%A&state=%ZZ`];
  const good = (name: string) => (name === 'id' ? workspaceId : name === 'vendor' ? 'hubspot' : 'x');
  return [
    fill(route.path, good),
    `${fill(route.path, good)}?code=%ZZ&state=${'s'.repeat(5000)}`,
    ...BAD_PARAMS.map((bad) => fill(route.path, () => bad)),
  ];
}

const BODIES: { name: string; type?: string; body: string | Uint8Array; encoding?: string }[] = [
  { name: 'malformed JSON', type: 'application/json', body: '{"a": ' },
  { name: 'null', type: 'application/json', body: 'null' },
  { name: 'a string', type: 'application/json', body: '"text"' },
  { name: 'a deep array', type: 'application/json', body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  { name: 'an unknown charset', type: 'application/json; charset=klingon', body: '{}' },
  { name: 'text', type: 'text/plain', body: 'hello' },
  { name: 'a nested form', type: 'application/x-www-form-urlencoded', body: 'a[b][c]=1&_csrf=%ZZ&token=%E0' },
  { name: 'gzip garbage', type: 'application/json', body: 'not gzip at all', encoding: 'gzip' },
  {
    name: 'gzip bomb',
    type: 'application/json',
    body: gzipSync(Buffer.alloc(20_000_000, 32)),
    encoding: 'gzip',
  },
  { name: 'an unknown encoding', type: 'application/json', body: '{}', encoding: 'klingon' },
  { name: '2.5 MB', type: 'application/json', body: `{"a":"${'x'.repeat(2_500_000)}"}` },
];

const AUTH: Record<string, Record<string, string>> = {
  none: {},
  bearer: { authorization: `Bearer ${ADMIN_TOKEN}` },
  session: { cookie: `${SESSION_COOKIE}=${sessionValue(ADMIN_TOKEN)}` },
  'session from another site': {
    cookie: `${SESSION_COOKIE}=${sessionValue(ADMIN_TOKEN)}`,
    origin: 'https://evil.example',
  },
  'wrong bearer': { authorization: 'Bearer %E0%A4%A' },
  'broken cookie': { cookie: 'leadstage_session=%E0%A4%A; leadstage_csrf=%ZZ' },
};

it('should answer every route’s malformed requests without a 500, a stack, a path or a library name', async () => {
  const routes = routesOf((buildWebApp(h.ctx) as Express & { router: { stack: LayerLike[] } }).router.stack);
  // The app's own routes, so a regression in discovery cannot pass silently.
  expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
    expect.arrayContaining([
      'POST /webhooks/hubspot',
      'GET /oauth/:vendor/callback',
      'POST /login',
      'POST /workspaces/:id/sync',
      'PUT /api/workspaces/:id/model',
    ]),
  );
  const failures: string[] = [];
  let sent = 0;
  for (const route of routes) {
    for (const [i, path] of pathsFor(route).entries()) {
      for (const [authName, auth] of Object.entries(AUTH)) {
        // Every body on the route's plain path; broken paths with one body, to keep the run short.
        const bodies = i === 0 ? BODIES : BODIES.slice(0, 1);
        const variants = route.method === 'GET' ? [undefined] : [undefined, ...bodies];
        for (const variant of variants) {
          const headers: Record<string, string> = { ...auth, accept: sent % 2 ? 'text/html' : '*/*' };
          if (variant?.type) headers['content-type'] = variant.type;
          if (variant?.encoding) headers['content-encoding'] = variant.encoding;
          const res = await fetch(`${h.url}${path}`, {
            method: route.method,
            redirect: 'manual',
            headers,
            ...(variant ? { body: variant.body } : {}),
          });
          sent++;
          const text = await res.text();
          const where = `${route.method} ${path.slice(0, 80)} (${authName}, ${variant?.name ?? 'no body'}): ${res.status}`;
          if (res.status === 500) failures.push(where);
          try {
            expectNothingInternal(text, where);
          } catch {
            failures.push(`${where}: ${text.slice(0, 200)}`);
          }
        }
      }
    }
  }
  expect(sent).toBeGreaterThan(500);
  expect(failures).toStrictEqual([]);
});
