import type { Command } from 'commander';

import { checkModelText, listPresetInfo } from '../admin/models.ts';
import { formatProblem, loadModelSource, modelJsonSchema } from '../qualification/index.ts';

export function registerRulesCommands(program: Command): void {
  const rules = program.command('rules').description('Check and describe qualification model files');

  rules
    .command('check')
    .description(
      'Validate a model file: every problem and warning with its line and column; exit 1 when invalid (or, with --strict, when warned)',
    )
    .argument('<file|preset:NAME>')
    .option('--strict', 'exit 1 on warnings too')
    .action(async (ref: string, opts: { strict?: boolean }) => {
      const source = await loadModelSource(ref);
      // The same check as the console's editor and POST /api/models/check.
      const check = await checkModelText(source.text, source.file);
      if (!check.valid || !check.summary) {
        for (const p of check.problems) process.stderr.write(formatProblem(p) + '\n');
        process.stderr.write(`${check.problems.length} problem(s) in ${source.file}\n`);
        process.exitCode = 1;
        return;
      }
      for (const w of check.warnings) process.stderr.write(`${formatProblem(w)} (warning)\n`);
      const { summary, warnings } = check;
      const handoff = summary.handoffStage ? `, hands off at ${summary.handoffStage}` : '';
      const warned = warnings.length ? ` (${warnings.length} warning(s))` : '';
      process.stdout.write(
        `${source.file}: valid${warned} — ${summary.name} ${summary.version}: ${summary.stages.join(' → ')}${handoff}\n`,
      );
      if (opts.strict && warnings.length) process.exitCode = 1;
    });

  rules
    .command('schema')
    .description('Print the JSON Schema of the model file (for editor autocompletion)')
    .action(() => {
      process.stdout.write(JSON.stringify(modelJsonSchema(), null, 2) + '\n');
    });

  rules
    .command('show')
    .description(
      'Print a model file or preset as written: `rules show preset:NAME > model.yaml` starts your own',
    )
    .argument('<file|preset:NAME>')
    .action(async (ref: string) => {
      process.stdout.write((await loadModelSource(ref)).text);
    });

  rules
    .command('presets')
    .description('List the shipped presets')
    .action(async () => {
      for (const p of await listPresetInfo()) {
        process.stdout.write(`preset:${p.name.padEnd(20)} ${p.stages.join(' → ')}\n`);
      }
    });
}
