import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CONTACTS_PER_MODEL, engineAgreesWithReference } from './property.ts';

/** 300 models × 8 contacts = 2,400 model×contact pairs; a fixed seed keeps CI reproducible. */
const RUNS = 300;

describe('the engine agrees with the reference evaluator', () => {
  it(`on ${RUNS * CONTACTS_PER_MODEL} random model × contact pairs`, () => {
    const out = fc.check(engineAgreesWithReference, { numRuns: RUNS, seed: 20261110 });
    expect(out.failed ? fc.defaultReportMessage(out) : 'agree').toBe('agree');
  });
});
