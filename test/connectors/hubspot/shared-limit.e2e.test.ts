/**
 * Workers sharing the Redis rate limiter stay inside the portal's 10-second budget together: the
 * budget the connector learns from HubSpot's headers applies to the shared bucket.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { createHubspotConnectorDefinition } from '../../../connectors/hubspot/index.ts';
import { createHubspotSandbox } from '../../../connectors/hubspot/sandbox/index.ts';
import { SANDBOX_OAUTH_APP } from '../../../connectors/sandbox-types.ts';
import { RedisRateLimiter } from '../../../jobs/redis-rate-limiter.ts';
import { redisForTests } from '../../helpers/redis.ts';
import { makeContext, serve } from './helpers.ts';

const redis = redisForTests();
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  await redis.cleanup();
});

describe('HubSpot workers sharing the Redis rate limiter', () => {
  it('make no call beyond the portal budget, so HubSpot never answers 429', async () => {
    const srv = await serve((url) =>
      createHubspotSandbox({
        seed: 5,
        contacts: 2_000,
        publicUrl: url,
        limits: { oauthMax: 30, intervalMs: 1000 },
      }),
    );
    closers.push(srv.close);
    const sandbox = srv.made;
    const ids = [...sandbox.portal.contacts.keys()];
    const definition = createHubspotConnectorDefinition({ app: SANDBOX_OAUTH_APP });
    const worker = () => {
      const tokens = sandbox.issueTokens();
      const { ctx } = makeContext({
        baseUrl: srv.url,
        credentials: {
          kind: 'oauth2',
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          expiresAt: new Date(Date.now() + tokens.expiresIn * 1000).toISOString(),
        },
        limiter: new RedisRateLimiter(redis.connect(), redis.prefix),
      });
      return definition.create(ctx);
    };

    // Three workers, 21 calls each, against 30 calls per second.
    const fetched = await Promise.all([worker(), worker(), worker()].map((w) => w.fetchContacts(ids)));

    for (const contacts of fetched) expect(contacts).toHaveLength(2_000);
    expect(sandbox.stats().calls['POST /crm/v3/objects/contacts/batch/read']).toBe(60);
    expect(sandbox.stats().rateLimited).toBe(0);
  });
});
