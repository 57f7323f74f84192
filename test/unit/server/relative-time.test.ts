/**
 * The hint beside an absolute time on console pages: English by default, French for a French
 * model's pages (PAGE_WORDS.fr), each unit picked by how far the time is from now.
 */
import { describe, expect, it } from 'vitest';

import { PAGE_WORDS } from '../../../src/qualification/page-words.ts';
import { fmtTime, relative } from '../../../src/server/pages/format.ts';

const NOW = new Date('2026-11-30T12:00:00Z');
const FR = PAGE_WORDS.fr.relative;

describe('relative time', () => {
  it('should keep the English wording by default', () => {
    expect(relative('2026-11-30T12:12:00Z', NOW)).toBe('in 12 min');
    expect(relative('2026-11-30T09:00:00Z', NOW)).toBe('3 h ago');
    expect(relative('2026-11-30T11:59:30Z', NOW)).toBe('less than a minute ago');
    expect(relative('2026-12-03T12:00:00Z', NOW)).toBe('in 3 days');
  });

  it('should write French with the French words', () => {
    expect(relative('2026-11-30T12:12:00Z', NOW, FR)).toBe('dans 12 min');
    expect(relative('2026-11-30T09:00:00Z', NOW, FR)).toBe('il y a 3 h');
    expect(relative('2026-11-30T11:59:30Z', NOW, FR)).toBe('il y a moins d’une minute');
    expect(relative('2026-11-30T12:00:20Z', NOW, FR)).toBe('dans moins d’une minute');
    // 47 h is still hours; 48 h turns to days.
    expect(relative('2026-11-28T13:00:00Z', NOW, FR)).toBe('il y a 47 h');
    expect(relative('2026-11-28T12:00:00Z', NOW, FR)).toBe('il y a 2 jours');
    expect(relative('2026-12-05T12:00:00Z', NOW, FR)).toBe('dans 5 jours');
  });

  it('should put the French hint beside the UTC time', () => {
    expect(fmtTime('2026-11-30T09:00:00Z', NOW, FR)).toBe(
      '<time datetime="2026-11-30T09:00:00Z">2026-11-30 09:00 UTC</time> <span class="muted">(il y a 3 h)</span>',
    );
  });
});
