import type { Command } from 'commander';

/** Arrives with its issue: registers nothing yet. */
export function registerDbCommands(_program: Command): void {}
