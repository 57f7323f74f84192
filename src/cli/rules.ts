import type { Command } from 'commander';

import {
  checkModel,
  compileModelText,
  formatProblem,
  listPresets,
  loadModelSource,
  ModelError,
  modelJsonSchema,
} from '../qualification/index.ts';

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
      try {
        const { model, warnings } = checkModel(source.text, source.file);
        for (const w of warnings) process.stderr.write(`${formatProblem(w)} (warning)\n`);
        const handoff = model.handoffStage ? `, hands off at ${model.handoffStage}` : '';
        const warned = warnings.length ? ` (${warnings.length} warning(s))` : '';
        process.stdout.write(
          `${source.file}: valid${warned} — ${model.name} ${model.version}: ${model.stages.map((s) => s.key).join(' → ')}${handoff}\n`,
        );
        if (opts.strict && warnings.length) process.exitCode = 1;
      } catch (err) {
        if (!(err instanceof ModelError)) throw err;
        for (const p of err.problems) process.stderr.write(formatProblem(p) + '\n');
        process.stderr.write(`${err.problems.length} problem(s) in ${source.file}\n`);
        process.exitCode = 1;
      }
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
      for (const name of await listPresets()) {
        const { text } = await loadModelSource(`preset:${name}`);
        const model = compileModelText(text, `preset:${name}`);
        process.stdout.write(`preset:${name.padEnd(20)} ${model.stages.map((s) => s.label).join(' → ')}\n`);
      }
    });
}
