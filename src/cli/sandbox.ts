import type { Command } from 'commander';

import { instant, wholeNumber } from './options.ts';

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description(
      'Serve the HubSpot and Mautic sandboxes on one port (/hubspot, /mautic) and Salesforce at the root of its own',
    )
    .option('--port <port>', 'port for HubSpot and Mautic', '4010')
    .option('--salesforce-port <port>', 'port for Salesforce (default: the next port after --port)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--contacts <n>', 'contacts seeded into each source sandbox', '2000')
    .option('--seed <seed>', 'seed for the synthetic data', '42')
    .option(
      '--epoch <ISO-8601>',
      'instant the seeded data is relative to (same seed and epoch: same data on every start); default now',
    )
    .action(
      async (opts: {
        port: string;
        salesforcePort?: string;
        host: string;
        contacts: string;
        seed: string;
        epoch?: string;
      }) => {
        // Loaded on use: the sandboxes pull in every vendor's seed data and routes.
        const { startSandboxServer } = await import('../sandbox/server.ts');
        const sandbox = await startSandboxServer({
          port: wholeNumber('--port', opts.port),
          ...(opts.salesforcePort !== undefined
            ? { salesforcePort: wholeNumber('--salesforce-port', opts.salesforcePort) }
            : {}),
          host: opts.host,
          contacts: wholeNumber('--contacts', opts.contacts),
          seed: wholeNumber('--seed', opts.seed),
          ...(opts.epoch === undefined ? {} : { epoch: instant('--epoch', opts.epoch) }),
        });
        // The demo's Mautic workspace signs in with Basic auth, which a Mautic admin switches on.
        sandbox.mautic.settings.basicAuthEnabled = true;
        process.stdout.write(
          [
            `sandboxes listening on ${sandbox.url} and ${sandbox.salesforceUrl}`,
            `  HubSpot     HUBSPOT_API_BASE_URL=${sandbox.addresses.hubspot}`,
            `  Salesforce  SALESFORCE_LOGIN_URL=${sandbox.addresses.salesforce} (its own port: an instance's resources sit at its root)`,
            `  Mautic      base URL ${sandbox.addresses.mautic} (Basic auth on)`,
            `  GET ${sandbox.url}/_sandbox/stats · GET ${sandbox.url}/_sandbox/addresses · POST ${sandbox.url}/_sandbox/reset`,
            '',
          ].join('\n'),
        );
        const stop = () => void sandbox.close().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    );
}
