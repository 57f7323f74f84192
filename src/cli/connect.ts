/**
 * `leadstage connect hubspot|mautic|salesforce --workspace W`: connects a vendor from a terminal,
 * with a credential the admin pastes (HubSpot private-app token, Mautic basic auth) or through
 * OAuth (`--oauth` for HubSpot and Mautic, always for Salesforce: connect-oauth.ts). Credentials
 * are stored sealed and attached as the web app's callback does (src/connections/attach.ts);
 * `--base-url` points a connection at a sandbox or a self-hosted instance, and connecting the same
 * account again re-points it. The on-connect probe (shared with the web app) and the doctor then
 * run against the new connection. Secrets are read from the environment or standard input, never
 * from the command line (shell history, `ps`), and never printed.
 */
import type { Command } from 'commander';

import { registerBuiltinConnectors } from '../../connectors/builtin.ts';
import { normalizeBaseUrl } from '../../connectors/mautic/index.ts';
import { parseEnv } from '../config/env.ts';
import type { Grant } from '../connections/attach.ts';
import { connectAccount } from '../connections/connect.ts';
import { type ConnectableVendor, isConnectableVendor, roleOf } from '../connections/vendors.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { ApiCallTally } from '../pipeline/api-calls.ts';
import { defaultRegistry, type ConnectorRegistry } from '../pipeline/registry.ts';
import { revokeAppFrom } from '../server/connect.ts';

import { oauthGrant } from './connect-oauth.ts';
import { formatCheck, withStore } from './workspace.ts';

const out = (line = '') => process.stdout.write(line + '\n');

interface Options {
  workspace: string;
  baseUrl?: string;
  account?: string;
  username?: string;
  oauth?: boolean;
  port: string;
  timeout: string;
}

function positiveInt(value: string, flag: string, max: number, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

async function secret(envName: string, what: string): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv.trim();
  if (process.stdin.isTTY) {
    throw new ConfigError(`set ${envName} or pipe the ${what} on standard input`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const value = Buffer.concat(chunks).toString('utf8').trim();
  if (!value) throw new ConfigError(`no ${what} on standard input (or set ${envName})`);
  return value;
}

async function grantFor(vendor: string, o: Options, registry: ConnectorRegistry): Promise<Grant> {
  if (isConnectableVendor(vendor) && (o.oauth || vendor === 'salesforce')) {
    const def = roleOf(vendor) === 'crm' ? registry.crmConnector(vendor) : registry.sourceConnector(vendor);
    return oauthGrant(vendor, def.oauth, parseEnv(), {
      baseUrl: o.baseUrl,
      port: positiveInt(o.port, '--port', 65_535, 0),
      timeoutMs: positiveInt(o.timeout, '--timeout', 3600) * 1000,
      scopes: def.scopes,
      print: out,
    });
  }
  if (vendor === 'hubspot') {
    if (!o.account || !/^\d{1,20}$/.test(o.account)) {
      throw new ConfigError('--account must be the HubSpot account (Hub) id, a number');
    }
    return {
      vendor,
      accountId: o.account,
      baseUrl: (o.baseUrl ?? 'https://api.hubapi.com').replace(/\/+$/, ''),
      scopes: [],
      credentials: {
        kind: 'private_app',
        token: await secret('HUBSPOT_PRIVATE_APP_TOKEN', 'private-app token'),
      },
    };
  }
  if (vendor === 'mautic') {
    const baseUrl = normalizeBaseUrl(o.baseUrl);
    if (!o.username) throw new ConfigError('--username is needed for Mautic basic auth');
    return {
      vendor,
      // As the OAuth flow does: a self-hosted Mautic is known by its host.
      accountId: new URL(baseUrl).host,
      baseUrl,
      scopes: [],
      credentials: {
        kind: 'basic',
        username: o.username,
        password: await secret('MAUTIC_PASSWORD', 'password'),
      },
    };
  }
  throw new ConfigError(`unknown vendor "${vendor}": connect hubspot, mautic or salesforce`);
}

export function registerConnectCommand(program: Command): void {
  program
    .command('connect <vendor>')
    .description(
      'Connect hubspot (private-app token from HUBSPOT_PRIVATE_APP_TOKEN or stdin, or --oauth), mautic (basic auth, password from MAUTIC_PASSWORD or stdin, or --oauth) or salesforce (OAuth)',
    )
    .requiredOption('--workspace <name>', 'workspace name or id')
    .option('--base-url <url>', 'API base URL: a sandbox, a self-hosted Mautic (required for Mautic)')
    .option('--account <id>', 'HubSpot: the account (Hub) id')
    .option('--username <name>', 'Mautic: the API user')
    .option('--oauth', 'HubSpot, Mautic: sign in through OAuth in a browser (Salesforce always does)')
    .option('--port <n>', 'OAuth: the local port the browser comes back to (0: any free port)', '53682')
    .option('--timeout <seconds>', 'OAuth: how long to wait for the browser', '300')
    .action(async (vendor: string, o: Options) => {
      const registry = await registerBuiltinConnectors(defaultRegistry);
      await withStore(async (store) => {
        const ws = await store.workspaces.require(o.workspace);
        const role = ws.sourceVendor === vendor ? 'source' : ws.crmVendor === vendor ? 'crm' : null;
        if (!role) {
          throw new ConfigError(
            `workspace "${ws.name}" uses ${ws.sourceVendor} and ${ws.crmVendor ?? 'no CRM'}, not ${vendor}`,
          );
        }
        const grant = await grantFor(vendor, o, registry);
        const log = createLogger('silent');
        // The same core as the web app's callback: attach, retire the account replaced, probe, doctor.
        const connected = await connectAccount(
          {
            store,
            registry,
            log,
            calls: new ApiCallTally(),
            revokeApp: (v, base) => revokeAppFrom(parseEnv())(v, base),
          },
          ws,
          vendor as ConnectableVendor,
          grant,
        );
        out(
          `connected ${vendor} account ${grant.accountId} at ${grant.baseUrl} to ${ws.name} (connection ${connected.connectionId})`,
        );
        const { replaced, probe, doctor: report } = connected;
        if (replaced) {
          out(
            `  the account it replaces (connection ${replaced.connectionId}) was disconnected: ` +
              (replaced.revoked ? 'its tokens revoked' : (replaced.note ?? 'tokens not revoked')),
          );
        }
        for (const note of probe?.notes ?? []) out(`  ${vendor}: ${note}`);
        if (probe?.error) out(`  ${vendor}: could not probe the account: ${probe.error}`);
        // The doctor checks the token works (it asks the vendor for its field list) and the mappings.
        for (const line of formatCheck(report)) out(line);
        if (!report.ok) process.exitCode = 1;
      });
    });
}
