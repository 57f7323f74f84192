import type { Command } from 'commander';

/** Not built yet: registers nothing. */
export function registerFunnelCommand(_program: Command): void {}
