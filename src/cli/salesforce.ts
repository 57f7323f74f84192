/**
 * `leadstage salesforce check`: asks the org (or an in-process sandbox) whether the fields a
 * handoff writes exist, and prints what to create when they don't.
 */
import type { Command } from 'commander';

import { createSalesforceConnector } from '../../connectors/salesforce/index.ts';
import { MemoryRateLimiter } from '../http/rate-limiter.ts';
import { createLogger } from '../log.ts';
import { listenSalesforceSandbox } from '../sandbox/listener.ts';

export interface SalesforceCheckOptions {
  instanceUrl?: string | undefined;
  accessToken?: string | undefined;
  object: 'Lead' | 'Contact';
  dimensions: string[];
  /** Contact handoff of a model with accounts: the Account's account id and score fields too. */
  accountDimensions?: string[] | undefined;
  sandbox?: boolean | undefined;
}

/** Prints the check's result through `write`; returns the exit code (1 when something is missing). */
export async function runSalesforceCheck(
  options: SalesforceCheckOptions,
  write: (line: string) => void,
): Promise<number> {
  const target = options.sandbox ? await startCheckSandbox() : undefined;
  try {
    const instanceUrl = target?.url ?? options.instanceUrl;
    const accessToken = target?.token ?? options.accessToken;
    if (!instanceUrl || !accessToken) {
      write(
        'salesforce check needs --instance-url and an access token (--access-token or SALESFORCE_ACCESS_TOKEN), or --sandbox',
      );
      return 2;
    }
    const connector = createSalesforceConnector({
      connection: {
        id: 'cli-check',
        vendor: 'salesforce',
        baseUrl: instanceUrl,
        config: { handoffObject: options.object },
      },
      credentials: {
        read: () => Promise.resolve({ kind: 'oauth2', accessToken, instanceUrl }),
        refresh: (fn) => fn({ kind: 'oauth2', accessToken, instanceUrl }),
        markNeedsReconnect: () => Promise.resolve(),
      },
      limiter: new MemoryRateLimiter(),
      calls: { count: () => undefined },
      log: createLogger('warn'),
    });
    const accounts = options.accountDimensions ?? [];
    const missing = await connector.ensureSchema({
      stages: [],
      dimensions: options.dimensions,
      ...(accounts.length ? { accountDimensions: accounts } : {}),
    });
    return report(
      instanceUrl,
      missing,
      `${options.object} handoff, dimensions ${options.dimensions.join(', ')}` +
        (accounts.length ? `, account dimensions ${accounts.join(', ')}` : ''),
      write,
    );
  } finally {
    await target?.close();
  }
}

function report(instanceUrl: string, missing: string[], what: string, write: (line: string) => void): number {
  if (!missing.length) {
    write(`Salesforce ${instanceUrl}: every field leadstage writes exists (${what}).`);
    return 0;
  }
  write(
    `Salesforce ${instanceUrl}: ${missing.length} thing${missing.length === 1 ? '' : 's'} to set up (Setup → Object Manager):`,
  );
  for (const line of missing) write(`  - ${line}`);
  return 1;
}

/** The check for a workspace's own connection (stored, refreshed tokens) and model. */
export async function runWorkspaceSalesforceCheck(
  workspace: string,
  write: (line: string) => void,
): Promise<number> {
  const [{ parseEnv }, { openStoreFromEnv }, { workspaceModel }] = await Promise.all([
    import('../config/env.ts'),
    import('../store/index.ts'),
    import('../pipeline/engine.ts'),
  ]);
  const store = await openStoreFromEnv(parseEnv());
  try {
    const ws = await store.workspaces.require(workspace);
    if (!ws.crmConnectionId) {
      write(`workspace ${ws.name} has no Salesforce connection yet: connect it in the web app first`);
      return 2;
    }
    const connection = await store.connections.require(ws.crmConnectionId);
    const model = await workspaceModel(ws);
    const connector = createSalesforceConnector({
      connection: store.connections.info(connection),
      credentials: store.connections.credentialStore(connection.id),
      limiter: new MemoryRateLimiter(),
      calls: { count: () => undefined },
      log: createLogger('warn'),
    });
    const missing = await connector.ensureSchema({
      stages: model.stages.map((s) => ({ key: s.key, label: s.label })),
      dimensions: [...model.dimensions],
      ...(model.accountDimensions.length
        ? { accountDimensions: model.accountDimensions.map((d) => d.key) }
        : {}),
    });
    return report(connection.baseUrl, missing, `workspace ${ws.name}, model ${model.name}`, write);
  } finally {
    await store.close();
  }
}

async function startCheckSandbox() {
  const { sandbox, url, close } = await listenSalesforceSandbox({ port: 0, seed: 1, contacts: 0 });
  return { url, token: sandbox.oauth.issueTokens().access_token, close };
}

export function registerSalesforceCommands(program: Command): void {
  const salesforce = program.command('salesforce').description('Salesforce connection tools');
  salesforce
    .command('check')
    .description('Check the org has the external id and custom fields a handoff writes; print what to create')
    .option('--instance-url <url>', "the org's instance URL (instance_url of the token response)")
    .option(
      '--access-token <token>',
      'an OAuth access token (prefer SALESFORCE_ACCESS_TOKEN: arguments show in ps)',
    )
    .option('--object <object>', 'where handoffs go: Lead or Contact', 'Lead')
    .option(
      '--dimensions <list>',
      "the model's score dimensions, comma-separated",
      'contact,activity,engagement',
    )
    .option(
      '--account-dimensions <list>',
      "the model's account dimensions, comma-separated (Contact handoff: the Account's fields too)",
    )
    .option('--sandbox', 'check an in-process Salesforce sandbox instead of a real org')
    .option('-w, --workspace <name>', "check the workspace's own Salesforce connection against its model")
    .action(
      async (opts: {
        workspace?: string;
        instanceUrl?: string;
        accessToken?: string;
        object: string;
        dimensions: string;
        accountDimensions?: string;
        sandbox?: boolean;
      }) => {
        const write = (line: string) => process.stdout.write(line + '\n');
        if (opts.workspace) {
          process.exitCode = await runWorkspaceSalesforceCheck(opts.workspace, write);
          return;
        }
        if (opts.object !== 'Lead' && opts.object !== 'Contact') {
          throw new Error(`--object must be Lead or Contact, got "${opts.object}"`);
        }
        const list = (s: string) =>
          s
            .split(',')
            .map((d) => d.trim())
            .filter(Boolean);
        process.exitCode = await runSalesforceCheck(
          {
            instanceUrl: opts.instanceUrl,
            accessToken: opts.accessToken ?? process.env.SALESFORCE_ACCESS_TOKEN,
            object: opts.object,
            dimensions: list(opts.dimensions),
            accountDimensions: opts.accountDimensions ? list(opts.accountDimensions) : undefined,
            sandbox: opts.sandbox,
          },
          (line) => process.stdout.write(line + '\n'),
        );
      },
    );
}
