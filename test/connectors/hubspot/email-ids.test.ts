import { describe, expect, it } from 'vitest';

import { EmailIds } from '../../../connectors/hubspot/email-ids.ts';

describe('EmailIds', () => {
  it('keeps the addresses set last and forgets the oldest past its limit', () => {
    const ids = new EmailIds(2);
    ids.set('a@x.io', '1');
    ids.set('b@x.io', '2');
    ids.set('c@x.io', '3');
    expect([ids.get('a@x.io'), ids.get('b@x.io'), ids.get('c@x.io'), ids.size]).toStrictEqual([
      undefined,
      '2',
      '3',
      2,
    ]);
  });

  it('counts an address seen again as the newest, with its latest contact id', () => {
    const ids = new EmailIds(2);
    ids.set('a@x.io', '1');
    ids.set('b@x.io', '2');
    // Seen again (a later page of the walk, or a merge): now b is the oldest, and goes first.
    ids.set('a@x.io', '9');
    ids.set('c@x.io', '3');
    expect([ids.has('a@x.io'), ids.get('a@x.io'), ids.has('b@x.io'), ids.get('c@x.io')]).toStrictEqual([
      true,
      '9',
      false,
      '3',
    ]);
  });
});
