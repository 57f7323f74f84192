#!/usr/bin/env node
// The commands that sync re-execute themselves first with a capped V8 heap (heap-cap.js); nothing
// else is loaded before that, so the first start costs little.
import { capHeap } from './heap-cap.js';

capHeap(process.argv[2]);

// Node 22.18+ strips TypeScript types itself (the code is erasable syntax only, see tsconfig),
// so the package runs from source with no build step and no transpiler; the stripped text is
// cached between runs (stripped-source-cache.js).
await import('./stripped-source-cache.js');

await import('../src/cli.ts');
