import { describe, expect, it } from 'vitest';

import { formatSummary, progressReporter } from '../../src/cli/sync.ts';
import type { SyncSummary } from '../../src/pipeline/index.ts';

const summary: SyncSummary = {
  runId: 'r1',
  workspace: { id: 'w1', name: 'acme' },
  kind: 'sync',
  dryRun: false,
  full: false,
  requalifiedAll: false,
  modelVersion: 'abc',
  pulled: { contacts: 12, events: 30, newEvents: 7, salesOutcomes: 2 },
  qualified: 9,
  due: 0,
  warnings: [],
  stageChanges: { mql: 3, sql: 1 },
  writtenBack: 4,
  handedOff: 1,
  crmCreated: 1,
  slaBreaches: 0,
  slaNotified: 0,
  slaReassigned: 0,
  errors: [
    {
      step: 'write_back',
      recordId: 'c2',
      code: 'INVALID_EMAIL',
      message: 'bad email',
      retryCount: 5,
      quarantined: true,
    },
  ],
  apiCalls: { hubspot: 6, salesforce: 3 },
  apiCallsByStream: {
    hubspot: { contacts: 1, 'engagement email': 3, write_back: 1, schema: 1 },
    salesforce: { schema: 2, other: 1 },
  },
  minimumApiCalls: { hubspot: 5, salesforce: 2 },
  minimumApiCallsByStream: {
    'hubspot contacts': 1,
    'hubspot engagement email': 2,
    'hubspot write_back': 1,
    'hubspot schema': 1,
    'salesforce schema': 2,
    'salesforce handoff': 0,
  },
  apiBudget: { salesforce: { remaining: 14_990, limit: 15_000 } },
  durationMs: 1234,
};

describe('when a sync ends', () => {
  it('should print the summary with every count the issue asks for', () => {
    expect(formatSummary(summary)).toBe(
      [
        'sync of acme in 1.2 s',
        '  pulled           12 contacts, 30 events (7 new), 2 sales outcomes',
        '  qualified        9',
        '  stage changes    mql 3, sql 1',
        '  written back     4',
        '  handed off       1 (1 new CRM records)',
        '  errors           1 (1 quarantined)',
        '    write_back c2: INVALID_EMAIL bad email (try 5, quarantined)',
        '  API calls        hubspot 6 calls (minimum 5): contacts 1/1, engagement email 3/2, write_back 1/1, schema 1/1',
        // A stream with neither calls nor a minimum is left out; calls of no stream have no minimum.
        '                   salesforce 3 calls (minimum 2): schema 2/2, other 1; 14,990 of 15,000 left today',
        '',
      ].join('\n'),
    );
  });

  it('should print what a dry run would change', () => {
    const dry = formatSummary({
      ...summary,
      runId: null,
      dryRun: true,
      errors: [],
      preview: {
        evaluated: 9,
        moves: [{ from: 'mql', to: 'lead', count: 312 }],
        entering: { lead: 312 },
        leaving: { mql: 312 },
        held: {},
        wouldWriteBack: 312,
        wouldHandOff: 0,
        wouldHandOffNew: 0,
        samples: [{ contactId: 'c1', from: 'mql', to: 'lead', summary: 'total 40 < 60' }],
      },
    });
    expect(dry).toContain('     312 contacts mql → lead\n');
    expect(dry).toContain('     312 contacts leave mql\n');
    expect(dry).toContain('  would hand off   0\n');
    expect(dry).toContain('    c1: mql → lead — total 40 < 60\n');
    expect(dry).not.toContain('written back');
  });
});

describe('when progress goes to a file or pipe', () => {
  it('should write one plain line per finished step', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const p = progressReporter(stream);
    p.update({ step: 'pull_contacts', done: 0 });
    p.update({ step: 'pull_contacts', done: 200 });
    p.update({ step: 'qualify', done: 150 });
    p.stop();
    p.stop();
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toStrictEqual([
      'pull contacts: 200\n',
      'qualify: 150\n',
    ]);
  });

  it('should write one line per step of steps that run at once, and the counts while they run', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const p = progressReporter(stream, 0);
    p.update({ step: 'pull_contacts', done: 200 });
    p.update({ step: 'pull_engagement', done: 100 });
    p.update({ step: 'pull_contacts', done: 400 });
    const running = lines.length;
    p.stop();
    expect(lines.slice(0, running).map((l) => l.replace(/^\S+ /, ''))).toStrictEqual([
      'pull contacts: 200\n',
      'pull contacts: 200, pull engagement: 100\n',
      'pull contacts: 400, pull engagement: 100\n',
    ]);
    expect(lines.slice(running).map((l) => l.replace(/^\S+ /, ''))).toStrictEqual([
      'pull contacts: 400\n',
      'pull engagement: 100\n',
    ]);
  });
});
