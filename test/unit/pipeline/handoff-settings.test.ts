/** `settings.handoff.reassign`: defaults, the CLI and API shapes, and refusals that name the field. */
import { describe, expect, it } from 'vitest';

import { describeHandoffSettings, parseHandoffSettings } from '../../../src/pipeline/handoff-settings.ts';

describe('when handoff settings say nothing of reassignment', () => {
  it('should not reassign', () => {
    expect(parseHandoffSettings({}).reassign).toStrictEqual({ mode: 'off' });
    expect(describeHandoffSettings(parseHandoffSettings({}))[2]).toBe('on an SLA breach: not reassigned');
  });
});

describe('when handoff settings reassign breached records', () => {
  it('should keep a round-robin list limited to some stages, and say so', () => {
    const s = parseHandoffSettings({
      reassign: { mode: 'round_robin', users: ['005A', '005B'], stages: ['sql'] },
    });
    expect(s.reassign).toStrictEqual({ mode: 'round_robin', users: ['005A', '005B'], stages: ['sql'] });
    expect(describeHandoffSettings(s)[2]).toBe(
      'on an SLA breach: reassigned round-robin over 005A, 005B (stages sql)',
    );
  });

  it('should refuse a list that names a user twice, naming the field', () => {
    expect(() =>
      parseHandoffSettings({ reassign: { mode: 'round_robin', users: ['005A', '005A'] } }),
    ).toThrow('settings.handoff.reassign.users: lists a user twice');
  });

  it('should refuse an owner that is not an id, naming the field', () => {
    expect(() => parseHandoffSettings({ reassign: { mode: 'owner', ownerId: 'Ava Smith' } })).toThrow(
      /^settings\.handoff\.reassign\.ownerId: must be a user or queue id/,
    );
  });
});
