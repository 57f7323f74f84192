import type { Command } from 'commander';

/** Arrives with its issue: registers nothing yet. */
export function registerWorkerCommand(_program: Command): void {}
