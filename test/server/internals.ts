/** What must never reach a client: a stack frame, a file path, a library's own error name. */
import { expect } from 'vitest';

export const INTERNALS = [
  /\n\s+at /,
  /node_modules/,
  /\/work\/|\/home\/|\/usr\/|[a-z]:\\\\/i,
  /\.(ts|js|cjs|mjs):\d/,
  /PayloadTooLargeError|URIError|SyntaxError|ReferenceError|TypeError|HttpError/,
  /body-parser|raw-body|csrf-csrf|rate-limiter|express|ioredis|bullmq/i,
];

export function expectNothingInternal(text: string, where = ''): void {
  for (const pattern of INTERNALS) expect(text, `${where} ${pattern}`).not.toMatch(pattern);
}
