import type { Command } from 'commander';

/** Arrives with its issue: registers nothing yet. */
export function registerSyncCommand(_program: Command): void {}
