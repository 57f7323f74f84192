import type { Command } from 'commander';

import { parseEnv } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../log.ts';

import { wholeNumber } from './options.ts';

interface DemoCliOptions {
  source: string;
  contacts: string;
  seed: string;
  port: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'The whole product locally: sandboxes in-process, a seeded portal synced into Salesforce, sales outcomes back, the funnel',
    )
    .option('--source <vendor>', 'marketing sandbox to start from: hubspot | mautic', 'hubspot')
    .option('--contacts <n>', 'contacts seeded into the marketing sandbox', '3000')
    .option('--seed <n>', 'seed of the synthetic data', '42')
    .option(
      '--port <port>',
      'port for the sandboxes, Salesforce on the next one (free ones when busy)',
      '4010',
    )
    .action(async (opts: DemoCliOptions) => {
      if (opts.source !== 'hubspot' && opts.source !== 'mautic') {
        throw new ConfigError(`--source must be hubspot or mautic, got "${opts.source}"`);
      }
      const source = opts.source;
      const env = parseEnv();
      const [{ runDemo }, { openStoreFromEnv }, { progressReporter }] = await Promise.all([
        import('../demo/run-demo.ts'),
        import('../store/index.ts'),
        import('./sync.ts'),
      ]);
      const store = await openStoreFromEnv(env);
      const progress = progressReporter();
      const out = (line = '') => {
        progress.stop();
        process.stdout.write(line + '\n');
      };
      process.stdout.write(
        `leadstage demo: store ${env.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${env.LEADSTAGE_DATA_DIR}`}, no credentials, vendors simulated locally\n\n`,
      );
      try {
        await runDemo({
          store,
          source,
          contacts: wholeNumber('--contacts', opts.contacts, 1),
          seed: wholeNumber('--seed', opts.seed),
          port: wholeNumber('--port', opts.port),
          salesShare: 0.6,
          // The progress bars say what info lines would; warnings still show.
          log: createLogger(env.LEADSTAGE_LOG_LEVEL === 'info' ? 'warn' : env.LEADSTAGE_LOG_LEVEL),
          out,
          onProgress: (p) => progress.update(p),
          onPhase: (phase) => out(`▸ ${phase}`),
        });
      } finally {
        progress.stop();
        await store.close();
      }
    });
}
