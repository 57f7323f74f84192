import { describe, expect, it } from 'vitest';

import { parseWorkerEnv } from '../../../jobs/config.ts';

describe('when the worker reads its environment', () => {
  it('should use the documented defaults when nothing is set', () => {
    expect(parseWorkerEnv({})).toStrictEqual({
      LEADSTAGE_QUEUE_PREFIX: '{leadstage}',
      LEADSTAGE_WORKER_CONCURRENCY: 1,
      LEADSTAGE_JOB_LOCK_MS: 30_000,
      LEADSTAGE_SHUTDOWN_TIMEOUT_MS: 25_000,
      LEADSTAGE_SCHEDULE_RECONCILE_MS: 60_000,
      LEADSTAGE_HEARTBEAT_MS: 10_000,
    });
  });

  it('should name every variable that is not a positive whole number', () => {
    expect(() =>
      parseWorkerEnv({ LEADSTAGE_JOB_LOCK_MS: 'soon', LEADSTAGE_WORKER_CONCURRENCY: '0' }),
    ).toThrow(
      /LEADSTAGE_WORKER_CONCURRENCY:[\s\S]*LEADSTAGE_JOB_LOCK_MS:|LEADSTAGE_JOB_LOCK_MS:[\s\S]*LEADSTAGE_WORKER_CONCURRENCY:/,
    );
  });
});
