/**
 * A vendor that cannot be reached is named with the URL that was tried (never its credentials),
 * so an admin with a sandbox on another port sees where the sync was looking.
 */
import { createServer } from 'node:net';

import { describe, expect, it } from 'vitest';

import { HubspotApi } from '../../connectors/hubspot/api.ts';
import { TokenProvider } from '../../connectors/hubspot/auth.ts';
import { unreachableMessage, urlForMessage } from '../../src/http/unreachable.ts';
import { collect, makeContext as makeMauticContext, testDefinition } from './mautic/helpers.ts';
import { makeContext as makeHubspotContext, RecordingLimiter } from './hubspot/helpers.ts';

/** A port nothing listens on: bound once for a free number, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('urlForMessage', () => {
  it('keeps scheme, host, port and path, and drops user, password, query and fragment', () => {
    expect(urlForMessage('https://admin:s3cret@crm.example.com:8443/mautic/?access_token=abc#x')).toBe(
      'https://crm.example.com:8443/mautic',
    );
    expect(urlForMessage('not a url')).toBe('(an unparseable URL)');
  });

  it('adds the socket code fetch hides in its cause', () => {
    const err = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    });
    expect(unreachableMessage('HubSpot GET /a', 'http://u:p@127.0.0.1:1/hubspot', err)).toBe(
      'HubSpot GET /a unreachable at http://127.0.0.1:1/hubspot: fetch failed (ECONNREFUSED)',
    );
  });
});

describe('an unreachable vendor', () => {
  it('HubSpot: names the base URL tried', async () => {
    const port = await closedPort();
    const { ctx } = makeHubspotContext({
      baseUrl: `http://127.0.0.1:${port}/hubspot`,
      credentials: { kind: 'private_app', token: 'pat-secret-token' },
      limiter: new RecordingLimiter(),
    });
    const api = new HubspotApi(
      ctx,
      new TokenProvider(ctx, () => ({ clientId: 'id', clientSecret: 'secret' })),
      { maxAttempts: 2 },
    );
    const call = api.raw('GET /crm/v3/properties/contacts/:propertyName', 'api', {
      method: 'GET',
      path: '/crm/v3/properties/contacts/leadstage_stage',
    });
    await expect(call).rejects.toThrow(
      `HubSpot GET /crm/v3/properties/contacts/:propertyName unreachable at http://127.0.0.1:${port}/hubspot: fetch failed (ECONNREFUSED)`,
    );
    await expect(call).rejects.not.toThrow('pat-secret-token');
  });

  it('Mautic: names the base URL tried, without the password', async () => {
    const port = await closedPort();
    const { ctx } = makeMauticContext(
      `http://127.0.0.1:${port}/mautic`,
      { kind: 'basic', username: 'admin', password: 'mautic-secret' },
      { config: { maxAttempts: 1 } },
    );
    const pulled = collect(testDefinition.create(ctx).pullContacts(null));
    await expect(pulled).rejects.toThrow(`unreachable at http://127.0.0.1:${port}/mautic: `);
    await expect(pulled).rejects.toThrow('ECONNREFUSED');
    await expect(pulled).rejects.not.toThrow('mautic-secret');
  });
});
