/**
 * Accounts: which company a contact rolls up to and the account dimensions computed from its
 * contacts. Pure; the pipeline computes these before qualification and passes them in, so the
 * engine stays pure.
 */
import type { AccountDimensionSpec, Properties, Scores } from '../model.ts';

/**
 * Mailbox providers whose domain says nothing about an employer: contacts on them only roll up
 * through a company the source names.
 */
const FREE_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'web.de',
  'orange.fr',
  'free.fr',
  'yandex.ru',
  'mail.ru',
  'qq.com',
]);

export interface AccountRef {
  id: string;
  name: string;
}

/**
 * The account of a contact: the source's company (`company_id` when the connector supplies the
 * association, else the `company` name field), else the email's domain unless it is a mailbox
 * provider's.
 */
export function accountOf(properties: Properties): AccountRef | undefined {
  const companyId = text(properties.company_id);
  const company = text(properties.company);
  if (companyId) return { id: `company:${companyId}`, name: company ?? companyId };
  if (company) return { id: `company:${company.toLowerCase().replace(/\s+/g, ' ')}`, name: company };
  const email = text(properties.email)?.toLowerCase();
  const at = email ? email.lastIndexOf('@') : -1;
  const domain = email && at > 0 ? email.slice(at + 1) : undefined;
  if (!domain || !domain.includes('.') || FREE_MAIL.has(domain)) return undefined;
  return { id: `domain:${domain}`, name: domain };
}

function text(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * An account's dimensions from its contacts' scores and its company's fields, accumulated one
 * contact at a time in the order given (sums add in that order): a large account is read page by
 * page without holding its contacts' scores.
 */
export class AccountTally {
  private readonly dimensions: readonly AccountDimensionSpec[];
  private readonly sums: number[];
  private readonly maxes: number[];
  private counted = 0;

  constructor(dimensions: readonly AccountDimensionSpec[]) {
    this.dimensions = dimensions;
    this.sums = dimensions.map(() => 0);
    this.maxes = dimensions.map(() => -Infinity);
  }

  add(s: Scores): void {
    this.counted += 1;
    this.dimensions.forEach((d, i) => {
      if ('sum' in d) this.sums[i]! += s[d.sum] ?? 0;
      else if ('max' in d) this.maxes[i] = Math.max(this.maxes[i]!, s[d.max] ?? 0);
    });
  }

  scores(company: Properties): Scores {
    const out: Scores = {};
    this.dimensions.forEach((d, i) => {
      let v = 0;
      if ('sum' in d) v = this.sums[i]!;
      else if ('max' in d) v = this.counted ? this.maxes[i]! : 0;
      else for (const r of d.fit) if (r.holds(company)) v += r.points;
      out[d.key] = round2(v);
    });
    return out;
  }
}
