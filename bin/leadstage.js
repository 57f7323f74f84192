#!/usr/bin/env node
// Node 22.18+ strips TypeScript types itself (the code is erasable syntax only, see tsconfig),
// so the package runs from source with no build step and no transpiler; the stripped text is
// cached between runs (stripped-source-cache.js).
import './stripped-source-cache.js';

await import('../src/cli.ts');
