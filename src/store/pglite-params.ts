/** The start parameters every PGlite instance of the store runs with, in this process or a child. */
import { PGlite } from '@electric-sql/pglite';

/**
 * PGlite's WebAssembly memory grows as PostgreSQL touches it and is never given back to the
 * system, so the buffer pool, 128 MB by PostgreSQL's default, ends up resident once the data
 * outgrows it. A smaller pool bounds that share of the process; the pages it no longer holds are
 * read from the data folder's files, which the operating system caches.
 */
const SHARED_BUFFERS = '16MB';

/** PGlite's own start parameters, which passing any replaces, plus the pool's size. */
export const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`];
