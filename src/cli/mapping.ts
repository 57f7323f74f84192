/**
 * `leadstage mapping show|export|import|set|reset --workspace W [--vendor V]`: the workspace's own
 * mapping per vendor, or the vendor default (src/mappings, shared with the JSON API and the console).
 */
import { readFile, writeFile } from 'node:fs/promises';

import type { Command } from 'commander';

import { registerBuiltinConnectors } from '../../connectors/builtin.ts';
import { ConfigError } from '../errors.ts';
import {
  effectiveMapping,
  mappingHistory,
  resetMapping,
  saveMapping,
  setMappingEntry,
  type MappingDeps,
  type WorkspaceMapping,
} from '../mappings/index.ts';
import { defaultRegistry } from '../pipeline/registry.ts';
import type { Store, Workspace } from '../store/index.ts';

import { printReleaseOffers } from './release-offers.ts';
import { cliActor, withStore } from './workspace.ts';

interface Options {
  workspace: string;
  vendor?: string;
}

const out = (line = '') => process.stdout.write(line + '\n');

async function withMappings<T>(
  o: Options,
  fn: (deps: MappingDeps, ws: Workspace, vendor: string) => Promise<T> | T,
): Promise<T> {
  const registry = await registerBuiltinConnectors(defaultRegistry);
  return withStore(async (store: Store) => {
    const ws = await store.workspaces.require(o.workspace);
    return await fn({ store, registry }, ws, o.vendor ?? ws.sourceVendor);
  });
}

function origin(m: WorkspaceMapping): string {
  return m.origin === 'workspace'
    ? `the workspace's own, saved ${m.savedAt ?? '?'}`
    : `the ${m.vendor} default (mappings/${m.vendor}.yaml)`;
}

function printOutline(m: WorkspaceMapping): void {
  out(`${m.vendor} (${m.role}) mapping: ${origin(m)}`);
  out('  facts:');
  for (const f of m.outline.facts) out(`    ${f.property.padEnd(18)} <- ${f.field}`);
  out('  stages:');
  for (const [key, value] of Object.entries(m.outline.stages)) out(`    ${key.padEnd(18)} -> ${value}`);
  const unmapped = {
    nearest_lower: "the nearest lower mapped stage's value",
    created_from_label: 'a stage named after its label, created when missing',
    passthrough: 'its key, as it is',
  }[m.outline.unmappedStage];
  out(`    (any other stage) -> ${unmapped}`);
  if (m.outline.eventTypes.length) out(`  events: ${m.outline.eventTypes.join(', ')}`);
  out(`  writes: ${m.outline.writeFields.join(', ')}`);
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--workspace <name>', 'workspace name or id')
    .option('--vendor <vendor>', "hubspot, mautic or salesforce (default: the workspace's source)");
}

export function registerMappingCommands(program: Command): void {
  const mapping = program
    .command('mapping')
    .description("A workspace's mappings: vendor fields to facts, model stages to vendor stages");

  common(mapping.command('show'))
    .description('Show the mapping in use: which field feeds each fact, which value stands for each stage')
    .option('--json', 'print JSON')
    .action((o: Options & { json?: boolean }) =>
      withMappings(o, (deps, ws, vendor) => {
        const m = effectiveMapping(deps, ws, vendor);
        if (o.json) out(JSON.stringify(m, null, 2));
        else printOutline(m);
      }),
    );

  common(mapping.command('export'))
    .description('Print the mapping in use as YAML (or write it to --out), to edit and import')
    .option('--out <file>', 'write to this file instead of standard output')
    .action((o: Options & { out?: string }) =>
      withMappings(o, async (deps, ws, vendor) => {
        const m = effectiveMapping(deps, ws, vendor);
        if (o.out) {
          await writeFile(o.out, m.text);
          process.stderr.write(`wrote ${o.out} (${origin(m)})\n`);
        } else process.stdout.write(m.text);
      }),
    );

  common(mapping.command('import <file>'))
    .description("Validate a mapping file and save it as the workspace's own (- reads standard input)")
    .action((file: string, o: Options) =>
      withMappings(o, async (deps, ws, vendor) => {
        let text: string;
        try {
          text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
        } catch (err) {
          throw new ConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        const { mapping: m, quarantined } = await saveMapping(deps, ws, vendor, text, cliActor());
        out(`saved the ${m.vendor} mapping of ${ws.name}: the next sync uses it`);
        printReleaseOffers(out, quarantined);
      }),
    );

  common(mapping.command('set <path> <value>'))
    .description(
      'Set one entry, e.g. stages.tsql marketingqualifiedlead, or contactProperties.budget "{ property: bant_budget }"',
    )
    .action((path: string, value: string, o: Options) =>
      withMappings(o, async (deps, ws, vendor) => {
        const { quarantined } = await setMappingEntry(deps, ws, vendor, path, value, cliActor());
        out(`set ${path} in the ${vendor} mapping of ${ws.name}: the next sync uses it`);
        printReleaseOffers(out, quarantined);
      }),
    );

  mapping
    .command('history')
    .description('List the saved mappings, newest first, each with the model version in use when saved')
    .requiredOption('--workspace <name>', 'workspace name or id')
    .option('--vendor <vendor>', 'one vendor only (default: every vendor of the workspace)')
    .option('--json', 'print JSON')
    .action((o: Partial<Options> & { workspace: string; json?: boolean }) =>
      withStore(async (store) => {
        const ws = await store.workspaces.require(o.workspace);
        const entries = await mappingHistory(store, ws, o.vendor);
        if (o.json) out(JSON.stringify(entries, null, 2));
        else if (entries.length === 0) out(`${ws.name} has saved no mapping: vendor defaults apply`);
        else {
          for (const e of entries) {
            const what = e.kind === 'workspace' ? 'saved' : 'reset to the default';
            const model = e.modelVersionId === null ? 'model ?' : `model version ${e.modelVersionId}`;
            out(
              `${String(e.id).padStart(5)}  ${e.savedAt}  ${e.vendor.padEnd(10)} ${what} with ${model}  ${e.actor}`,
            );
          }
        }
      }),
    );

  common(mapping.command('reset'))
    .description("Drop the workspace's own mapping: the vendor default applies again")
    .action((o: Options) =>
      withMappings(o, async (deps, ws, vendor) => {
        const { quarantined } = await resetMapping(deps, ws, vendor, cliActor());
        out(`${ws.name} uses the ${vendor} default mapping again (mappings/${vendor}.yaml)`);
        printReleaseOffers(out, quarantined);
      }),
    );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
