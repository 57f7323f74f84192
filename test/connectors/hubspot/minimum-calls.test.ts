import { describe, expect, it } from 'vitest';

import { searchCallsAtLeast } from '../../../connectors/hubspot/connector.ts';

// Worked by hand from the documented limits (API-NOTES §1.3: pages of at most 200, at most 10,000
// results a query) and the walk in search.ts, which restarts a query from the last timestamp it
// saw and so reads that record twice: window 1 yields 10,000 new records, each later one 9,999.
describe('the fewest HubSpot contact searches', () => {
  it('is one call for an empty portal and a page per 200 within one query', () => {
    expect(searchCallsAtLeast(0)).toBe(1);
    expect(searchCallsAtLeast(3000)).toBe(15);
    expect(searchCallsAtLeast(10_000)).toBe(50);
  });

  it('counts each restart as one more record read, not one more page', () => {
    // 10,001: one restart, 10,002 reads, 51 pages.
    expect(searchCallsAtLeast(10_001)).toBe(51);
    // 19,999: one restart; the second window reads 1 + 9,999 = 10,000: 100 pages in all.
    expect(searchCallsAtLeast(19_999)).toBe(100);
    // 30,000: 10,000 + 9,999 + 9,999 = 29,998 < 30,000, so 3 restarts; 30,003 reads, 151 pages.
    expect(searchCallsAtLeast(30_000)).toBe(151);
    // 100,000: 10,000 + 9 × 9,999 = 99,991, so 10 restarts; 100,010 reads, 501 pages (a sync of
    // 100,000 sandbox contacts made 502; one more page per window would claim 510).
    expect(searchCallsAtLeast(100_000)).toBe(501);
  });
});
