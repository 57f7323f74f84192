import type { Command } from 'commander';

/** Arrives with its issue: registers nothing yet. */
export function registerSandboxCommand(_program: Command): void {}
