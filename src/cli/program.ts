/**
 * The `leadstage` program: each command group lives in its own file here and registers itself.
 */
import { Command } from 'commander';

import { registerDbCommands } from './db.ts';
import { registerDemoCommand } from './demo.ts';
import { registerFunnelCommand } from './funnel.ts';
import { registerRulesCommands } from './rules.ts';
import { registerSalesforceCommands } from './salesforce.ts';
import { registerSandboxCommand } from './sandbox.ts';
import { registerScoreCommands } from './score.ts';
import { registerServeCommand } from './serve.ts';
import { registerSyncCommand } from './sync.ts';
import { registerWorkerCommand } from './worker.ts';
import { registerWorkspaceCommands } from './workspace.ts';

export function buildProgram(): Command {
  const program = new Command('leadstage')
    .description('Keeps marketing and sales agreeing on what a qualified lead is.')
    .showHelpAfterError();
  for (const register of [
    registerDemoCommand,
    registerRulesCommands,
    registerScoreCommands,
    registerWorkspaceCommands,
    registerSyncCommand,
    registerFunnelCommand,
    registerDbCommands,
    registerSandboxCommand,
    registerSalesforceCommands,
    registerWorkerCommand,
    registerServeCommand,
  ]) {
    register(program);
  }
  return program;
}
