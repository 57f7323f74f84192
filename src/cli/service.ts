import type { Command } from 'commander';

/** Not built yet: registers nothing. */
export function registerServiceCommands(_program: Command): void {}
