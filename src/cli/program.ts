/**
 * The `leadstage` program: each command group lives in its own file here and registers itself.
 *
 * Only the file of the command being run is loaded: `leadstage score` should not pay for the web
 * server, the vendor clients, BullMQ and the databases (about 80 MB of memory and a second of
 * start-up). Help and unknown commands load every group, so they can list them all.
 */
import { Command } from 'commander';

type Register = (program: Command) => void;

/** Top-level command name → the file that registers it, in the order help lists them. */
const GROUPS: [names: string[], load: () => Promise<Register>][] = [
  [['demo'], async () => (await import('./demo.ts')).registerDemoCommand],
  [['rules'], async () => (await import('./rules.ts')).registerRulesCommands],
  [['score', 'explain'], async () => (await import('./score.ts')).registerScoreCommands],
  [['workspace'], async () => (await import('./workspace.ts')).registerWorkspaceCommands],
  [['connect'], async () => (await import('./connect.ts')).registerConnectCommand],
  [['mapping'], async () => (await import('./mapping.ts')).registerMappingCommands],
  [['model'], async () => (await import('./model.ts')).registerModelCommands],
  [['sync'], async () => (await import('./sync.ts')).registerSyncCommand],
  [['health'], async () => (await import('./health.ts')).registerHealthCommand],
  [['errors'], async () => (await import('./errors.ts')).registerErrorsCommands],
  [['funnel'], async () => (await import('./funnel.ts')).registerFunnelCommand],
  [['sla'], async () => (await import('./sla.ts')).registerSlaCommand],
  [['contact'], async () => (await import('./contact.ts')).registerContactCommands],
  [['db'], async () => (await import('./db.ts')).registerDbCommands],
  [['sandbox'], async () => (await import('./sandbox.ts')).registerSandboxCommand],
  [['salesforce'], async () => (await import('./salesforce.ts')).registerSalesforceCommands],
  [['worker'], async () => (await import('./worker.ts')).registerWorkerCommand],
  [['serve'], async () => (await import('./serve.ts')).registerServeCommand],
];

/** The program for `argv` (process.argv: node, script, then the arguments). */
export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const program = new Command('leadstage')
    .description('Keeps marketing and sales agreeing on what a qualified lead is.')
    .showHelpAfterError();
  const name = argv[2];
  const only = GROUPS.find(([names]) => name !== undefined && names.includes(name));
  for (const [, load] of only ? [only] : GROUPS) (await load())(program);
  return program;
}
