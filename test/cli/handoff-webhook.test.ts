/**
 * `leadstage workspace handoff NAME --sla-webhook URL|off`, run as the real binary against the real
 * store: the same core as the API and console, the URL's secret path never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.ts';
import { openTestStore, TEST_ENCRYPTION_KEY, type TestStore } from '../helpers/db.ts';

/** Each run starts the CLI in a child process: slow on a busy machine. */
const SLOW = 120_000;
const SECRET = 'https://hooks.slack.com/services/T0AAA/B0BBB/cliSECRET321';

let t: TestStore;
let name: string;
const cli = (args: string[]) =>
  runCli(args, {
    env: {
      DATABASE_URL: t.databaseUrl,
      LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      LEADSTAGE_LOG_LEVEL: 'warn',
      LEADSTAGE_SLA_WEBHOOK_URL: '',
    },
  });

/** The workspace's stored SLA webhook URL, opened with the store's key (it is sealed at rest), or null. */
async function storedWebhook(): Promise<string | null> {
  const ws = await t.store.workspaces.require(name);
  const hook = (ws.settings.sla as { webhook?: { sealed: string } } | undefined)?.webhook;
  return hook ? t.store.workspaces.openSecret(ws.id, 'sla-webhook', hook.sealed) : null;
}

beforeAll(async () => {
  t = await openTestStore('postgres');
  name = `cli-hook-${Math.random().toString(36).slice(2, 8)}`;
  await t.store.workspaces.create({
    name,
    sourceVendor: 'hubspot',
    crmVendor: 'salesforce',
    model: { text: 'name: x', ref: 'x.yaml', version: 'x' },
  });
});
afterAll(async () => {
  await t?.cleanup();
});

describe('leadstage workspace handoff --sla-webhook', () => {
  it(
    'saves the URL printing only its host, refuses plain http elsewhere, and removes it with off',
    async () => {
      const saved = await cli(['workspace', 'handoff', name, '--sla-webhook', SECRET]);
      expect(saved.code).toBe(0);
      expect(saved.stdout).toContain(
        "  SLA breaches sent to: https://hooks.slack.com/… (this workspace's webhook)\n",
      );
      expect(await storedWebhook()).toBe(SECRET);

      const refused = await cli([
        'workspace',
        'handoff',
        name,
        '--sla-webhook',
        'http://hooks.example.com/services/T1/B2/cliPLAIN654',
      ]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('settings.sla.webhookUrl: must be an https URL');
      expect(await storedWebhook()).toBe(SECRET);

      const off = await cli(['workspace', 'handoff', name, '--sla-webhook', 'off']);
      expect(off.code).toBe(0);
      expect(off.stdout).toContain('  SLA breaches sent to: nowhere (recorded and shown only)\n');
      expect(await storedWebhook()).toBeNull();
      for (const r of [saved, refused, off]) {
        expect(r.stdout + r.stderr).not.toContain('cliSECRET321');
        expect(r.stdout + r.stderr).not.toContain('cliPLAIN654');
      }
    },
    SLOW,
  );
});
