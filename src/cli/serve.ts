import type { Command } from 'commander';

/** Arrives with its issue: registers nothing yet. */
export function registerServeCommand(_program: Command): void {}
