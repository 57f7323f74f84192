/**
 * The authorize URL of a connect flow, shared by the web app and `leadstage connect`: the
 * connector's URL plus, when a PKCE challenge is given (Salesforce), its method.
 */
import type { OAuthApp, OAuthFlow } from '../pipeline/ports.ts';

export function authorizeUrl(
  flow: OAuthFlow,
  app: OAuthApp,
  params: { state: string; baseUrl: string; codeChallenge?: string | undefined },
): string {
  const url = new URL(
    flow.authorizeUrl(app, {
      state: params.state,
      baseUrl: params.baseUrl,
      ...(params.codeChallenge ? { codeChallenge: params.codeChallenge } : {}),
    }),
  );
  if (params.codeChallenge) url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}
