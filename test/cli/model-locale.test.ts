/**
 * A workspace whose model says `locale: fr` and `currency: EUR`: `leadstage funnel` speaks French
 * and shows the forecast in euros, and the JSON API says which currency its amounts are in. The
 * expected lines are written by hand (an empty workspace: no contact, no deal, a deal size of 0).
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compileModelText } from '../../src/qualification/index.ts';
import { runCli } from '../helpers/cli.ts';
import { openTestStore, TEST_ENCRYPTION_KEY, type TestStore } from '../helpers/db.ts';

const MODEL = readFileSync('test/fixtures/models/french-euros.yaml', 'utf8');

let db: TestStore;

beforeAll(async () => {
  db = await openTestStore('postgres');
  const model = compileModelText(MODEL, 'essai.yaml');
  await db.store.workspaces.create({
    name: 'acme',
    sourceVendor: 'hubspot',
    crmVendor: null,
    model: { text: MODEL, ref: 'essai.yaml', version: model.version },
  });
});

afterAll(async () => {
  await db?.cleanup();
});

describe('when the model is French and budgets in euros', () => {
  const cli = (args: string[]) =>
    runCli(args, { env: { DATABASE_URL: db.databaseUrl, LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } });

  it('should print the funnel in French with the forecast in euros', { timeout: 120_000 }, async () => {
    const run = await cli(['funnel', '--workspace', 'acme']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Entonnoir de acme (essai) : 0 contacts');
    expect(lines).toContain(
      'Prévision : 0\u00a0€ attendus des contacts pas encore gagnés (taille d’affaire 0\u00a0€, par défaut) ; gagné à ce jour 0\u00a0€',
    );
    expect(lines.some((l) => l.startsWith('Client '))).toBe(true);
    const json = JSON.parse((await cli(['funnel', '--workspace', 'acme', '--json'])).stdout) as {
      currency: string;
    };
    expect(json.currency).toBe('EUR');
  });
});
