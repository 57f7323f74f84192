import type { Command } from 'commander';

/** Arrives with its issue: registers nothing yet. */
export function registerWorkspaceCommands(_program: Command): void {}
