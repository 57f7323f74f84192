/** Salesforce-shaped record ids: 15 characters that sort by creation, plus the 3-character checksum. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export const KEY_PREFIX = {
  Account: '001',
  Contact: '003',
  Opportunity: '006',
  Lead: '00Q',
  Task: '00T',
  Note: '002',
  Queue: '00G',
  AssignmentRule: '01Q',
  Org: '00D',
  User: '005',
  Job: '750',
  QueryLocator: '01g',
} as const;

/** The 18-character form: one suffix letter per 5 characters, encoding which are upper case. */
export function to18(id15: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id15[block * 5 + i]!;
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX[bits];
  }
  return id15 + suffix;
}

function base62(n: number, width: number): string {
  let s = '';
  let v = n;
  do {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  return s.padStart(width, '0');
}

/** Ids from one generator increase in string order, like Salesforce's within one org. */
export function idGenerator(): (prefix: string) => string {
  let counter = 0;
  return (prefix) => to18(`${prefix}5g0000${base62(++counter, 6)}`);
}
