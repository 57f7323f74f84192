/** The fake vendors have no OAuth: connecting to them is done by the tests directly. */
import type { OAuthFlow } from '../../src/pipeline/ports.ts';

export const fakeOAuth: OAuthFlow = {
  authorizeUrl: () => 'http://fake.invalid/authorize',
  exchangeCode: () =>
    Promise.resolve({
      credentials: { kind: 'private_app', token: 'fake-token' },
      accountId: 'fake-account',
      baseUrl: 'http://fake.invalid',
    }),
};
