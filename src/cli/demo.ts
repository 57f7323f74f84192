import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Command } from 'commander';

import { parseContactLine } from '../qualification/contact-input.ts';
import { explainDecision } from '../qualification/explain.ts';
import { loadModel } from '../qualification/index.ts';
import { createInterface } from 'node:readline';

const EXAMPLE_MODEL = fileURLToPath(new URL('../../examples/seed-003.yaml', import.meta.url));
const EXAMPLE_CONTACTS = fileURLToPath(new URL('../../examples/contacts.jsonl', import.meta.url));

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Score the shipped example contacts with the worked example model and explain each decision')
    .action(async () => {
      const { model } = await loadModel(EXAMPLE_MODEL);
      const now = new Date('2026-11-10T00:00:00Z');
      const lines = createInterface({ input: createReadStream(EXAMPLE_CONTACTS), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line.trim()) continue;
        process.stdout.write(explainDecision(model, model.qualify(parseContactLine(line), now)) + '\n\n');
      }
    });
}
