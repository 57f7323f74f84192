import type { Command } from 'commander';

/** Arrives with its issue: registers nothing yet. */
export function registerSalesforceCommands(_program: Command): void {}
