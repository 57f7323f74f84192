/**
 * The sync page's run table reads each run's calls per stream beside the stream's minimum from the
 * run's recorded counts; runs recorded before calls were kept per stream show none.
 */
import { describe, expect, it } from 'vitest';

import { runRow } from '../../src/server/sync-health.ts';
import type { SyncRun } from '../../src/store/index.ts';

function run(counts: Record<string, unknown>): SyncRun {
  return {
    id: 'r1',
    workspaceId: 'w1',
    kind: 'sync',
    full: false,
    status: 'succeeded',
    startedAt: '2026-11-30T10:00:00.000Z',
    finishedAt: '2026-11-30T10:00:05.000Z',
    counts,
    apiCalls: { hubspot: 9, salesforce: 4 },
    error: null,
  };
}

describe('when a run recorded its calls per stream', () => {
  it('should list each vendor stream by stream, made beside minimum, calls of no stream last', () => {
    const row = runRow(
      run({
        minimumApiCalls: { hubspot: 7, salesforce: 4 },
        minimumApiCallsByStream: {
          'hubspot contacts': 1,
          'hubspot engagement email': 2,
          'hubspot write_back': 0,
          'hubspot schema': 1,
          'hubspot engagement web': 3,
          'salesforce schema': 2,
          'salesforce sales_outcomes': 2,
        },
        apiCallsByStream: {
          hubspot: { other: 1, contacts: 1, 'engagement email': 3, schema: 1, 'engagement web': 3 },
          salesforce: { schema: 2, sales_outcomes: 2 },
        },
      }),
    );
    expect(row.apiCallsByStream).toStrictEqual({
      hubspot: [
        { stream: 'contacts', made: 1, minimum: 1 },
        { stream: 'engagement email', made: 3, minimum: 2 },
        { stream: 'write_back', made: 0, minimum: 0 },
        { stream: 'schema', made: 1, minimum: 1 },
        { stream: 'engagement web', made: 3, minimum: 3 },
        { stream: 'other', made: 1, minimum: undefined },
      ],
      salesforce: [
        { stream: 'schema', made: 2, minimum: 2 },
        { stream: 'sales_outcomes', made: 2, minimum: 2 },
      ],
    });
  });

  it('should show no streams for a run recorded before, or with a malformed record', () => {
    for (const apiCallsByStream of [undefined, 'not a record', 3]) {
      expect(
        runRow(run({ minimumApiCalls: { hubspot: 7 }, apiCallsByStream })).apiCallsByStream,
      ).toStrictEqual({});
    }
  });
});
