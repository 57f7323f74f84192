import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.ts';

const model = 'examples/seed-003.yaml';
const now = ['--now', '2026-11-10T00:00:00Z'];

describe('leadstage score', () => {
  it('scores the shipped example: the worked contact comes out Lead with 25/30/10 = 65', async () => {
    const r = await runCli(['score', '--model', model, '--input', 'examples/contacts.jsonl', ...now]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; stage: string; scores: unknown; reasons: unknown[] });
    expect(lines.map((l) => l.id)).toEqual(['c1', 'c2', 'c3']);
    expect(lines[0]).toMatchObject({
      stage: 'lead',
      scores: { contact: 25, activity: 30, engagement: 10, total: 65 },
    });
    expect(lines[0]!.reasons.length).toBeGreaterThan(0);
  });

  it("passes a contact's account to `{ account: … }` conditions", async () => {
    // SQL needs the account's engagement ≥ 50: only the contact whose account has 60 gets there.
    const dir = await mkdtemp(join(tmpdir(), 'leadstage-score-'));
    const modelFile = join(dir, 'model.yaml');
    await writeFile(
      modelFile,
      [
        'name: account-gate',
        'dimensions: [engagement]',
        'stages:',
        '  - { key: lead, label: Lead }',
        '  - key: sql',
        '    label: Sales Qualified Lead',
        '    handoff: true',
        '    requires: { account: engagement, gte: 50 }',
        'accounts:',
        '  dimensions:',
        '    - { key: engagement, sum: engagement }',
        'scoring: []',
      ].join('\n'),
    );
    const input = join(dir, 'in.jsonl');
    await writeFile(
      input,
      [
        '{"id":"a","account":{"id":"domain:globex.example","scores":{"engagement":60}}}',
        '{"id":"b","account":{"id":"domain:initech.example","scores":{"engagement":40}}}',
        '{"id":"c"}',
      ].join('\n'),
    );
    const r = await runCli(['score', '--model', modelFile, '--input', input, ...now]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const stages = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { stage: string }).stage);
    expect(stages).toEqual(['sql', 'lead', 'lead']);
  });

  it('reports a malformed line with its number, scores the others and exits non-zero', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadstage-score-'));
    const input = join(dir, 'in.jsonl');
    await writeFile(
      input,
      [
        '{"id":"a","properties":{"email":"a@x.example"},"events":[]}',
        '{"id":"b",',
        '{"id":"c","events":[{"type":"page_view","at":"yesterday"}]}',
        '{"id":"d"}',
      ].join('\n'),
    );
    const r = await runCli(['score', '--model', model, '--input', input, ...now]);
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual(['a', 'd']);
    expect(r.stderr).toContain(`${input}:2: not JSON`);
    expect(r.stderr).toContain(`${input}:3: events.0.at: must be an ISO-8601 date`);
  });

  it('keeps order and line numbers across read chunks, CRLF endings and blank lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadstage-score-'));
    const input = join(dir, 'big.jsonl');
    const pad = 'x'.repeat(200); // 3,000 lines of ~250 bytes: many 64 KB read chunks
    const lines = Array.from({ length: 3000 }, (_, i) =>
      i === 2499 ? '{"id":' : `{"id":"c${i}","properties":{"note":"${pad}"},"events":[]}`,
    );
    lines.splice(10, 0, '');
    await writeFile(input, lines.join('\r\n') + '\r\n');
    const r = await runCli(['score', '--model', model, '--input', input, ...now]);
    expect(r.code).toBe(1);
    const ids = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toHaveLength(2999);
    expect(ids.slice(0, 3)).toEqual(['c0', 'c1', 'c2']);
    expect(ids.at(-1)).toBe('c2999');
    expect(ids).not.toContain('c2499');
    expect(r.stderr).toContain(`${input}:2501: not JSON`);
  });

  it('reports a line over --max-line-length with its number, and still writes every other line whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadstage-score-'));
    const input = join(dir, 'in.jsonl');
    // Line 2 is 300,023 characters: far over the 100,000 limit and spread over several read chunks.
    const huge = `{"id":"huge","note":"${'x'.repeat(300_000)}"}`;
    await writeFile(
      input,
      [
        '{"id":"a","properties":{"email":"a@x.example"},"events":[]}',
        huge,
        '{"id":"b","properties":{"email":"b@x.example"},"events":[]}',
      ].join('\n') + '\n',
    );
    const r = await runCli([
      'score',
      '--model',
      model,
      '--input',
      input,
      '--max-line-length',
      '100000',
      ...now,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${input}:2: longer than 100000 characters (--max-line-length): not scored`);
    expect(r.stderr).toContain('1 line(s) could not be scored, 2 scored');
    const out = r.stdout.split('\n');
    expect(out.pop()).toBe(''); // the output ends with a newline: the last line is whole
    expect(out.map((l) => (JSON.parse(l) as { id: string; stage: string }).id)).toEqual(['a', 'b']);
  });

  it('limits a line to 1 Mi characters by default', async () => {
    // 1,048,576 is the documented default; this line is 1,100,023 characters long.
    const r = await runCli(['score', '--input', '-', ...now], {
      input: `{"id":"huge","note":"${'x'.repeat(1_100_000)}"}\n{"id":"after"}\n`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('-:1: longer than 1048576 characters (--max-line-length): not scored');
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'after' });
  });

  it('rejects a --max-line-length that is not a whole number ≥ 1', async () => {
    const r = await runCli(['score', '--input', 'examples/contacts.jsonl', '--max-line-length', '0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--max-line-length must be a whole number ≥ 1, got "0"');
  });

  it('reads stdin and uses the default preset', async () => {
    const r = await runCli(['score', '--input', '-', ...now], {
      input:
        '{"id":"x","properties":{"email":"x@y.example"},"events":[{"type":"form_submit","at":"2026-11-09T00:00:00Z"}]}\n',
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'x', stage: 'lead' });
  });
});

describe('leadstage explain', () => {
  it('gives a readable account with what the next stage is missing', async () => {
    const r = await runCli([
      'explain',
      '--model',
      model,
      '--input',
      'examples/contacts.jsonl',
      '--id',
      'c3',
      ...now,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Contact c3: Prospect');
    expect(r.stdout).toContain('+20 activity: page_view ×4');
    expect(r.stdout).toContain('✗ Lead needs email is set (has nothing)');
  });

  it('says so when the id is not in the file', async () => {
    const r = await runCli([
      'explain',
      '--model',
      model,
      '--input',
      'examples/contacts.jsonl',
      '--id',
      'nobody',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no contact with id "nobody"');
  });
});

describe('leadstage rules', () => {
  it('check passes a valid file and lists every problem of a bad one with line and column', async () => {
    expect((await runCli(['rules', 'check', model])).code).toBe(0);
    const dir = await mkdtemp(join(tmpdir(), 'leadstage-rules-'));
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'name: bad\ndimensions: [fit]\nstages:\n  - key: a\n    requires: { score: fti, gte: 1 }\nscoring:\n  - { dimension: fit, when: { property: t, matches: "(" }, points: 1 }\n',
    );
    const r = await runCli(['rules', 'check', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:5:17: stages[0].requires.score: unknown dimension "fti"`);
    expect(r.stderr).toContain(`${bad}:7:`);
    expect(r.stderr).toContain('2 problem(s)');
  });

  it('schema prints a JSON Schema describing stages and conditions', async () => {
    const r = await runCli(['rules', 'schema']);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['dimensions', 'stages', 'scoring', 'recycle', 'conditions']),
    );
    expect(r.stdout).toContain('"withinDays"');
  });

  it('show prints a preset as shipped, to start a model file of your own', async () => {
    const shipped = await readFile('src/qualification/presets/b2b-saas-funnel.yaml', 'utf8');
    const r = await runCli(['rules', 'show', 'preset:b2b-saas-funnel']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(shipped);
    const dir = await mkdtemp(join(tmpdir(), 'leadstage-rules-'));
    await writeFile(join(dir, 'model.yaml'), r.stdout);
    expect((await runCli(['rules', 'check', join(dir, 'model.yaml')])).stdout).toContain('valid');
  });

  it('check names a missing file clearly', async () => {
    const r = await runCli(['rules', 'check', 'nope.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('model file nope.yaml does not exist');
  });
});
