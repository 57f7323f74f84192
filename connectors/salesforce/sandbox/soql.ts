/**
 * A small SOQL parser and evaluator for the query shapes leadstage sends (and a bit more):
 * `SELECT f, … FROM Obj [WHERE cond] [ORDER BY f [ASC|DESC], …] [LIMIT n] [OFFSET n]` with
 * AND / OR / NOT, parentheses, = != <> < <= > >=, [NOT] IN (…), LIKE, and string, number,
 * boolean, null, date and date-time literals. No relationship fields, functions or subqueries.
 */
export class SoqlError extends Error {
  readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE';
  constructor(errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE', message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

export type Literal = string | number | boolean | null | { dateTime: number } | { date: string };
export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; field: string; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Literal }
  | { kind: 'in'; field: string; negated: boolean; values: Literal[] }
  | { kind: 'like'; field: string; pattern: string };

export interface SoqlQuery {
  fields: string[];
  object: string;
  where: Condition | null;
  orderBy: { field: string; desc: boolean; nullsLast: boolean }[];
  limit: number | null;
  offset: number;
}

type Token = { t: 'word' | 'string' | 'number' | 'datetime' | 'date' | 'punct'; v: string; at: number };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let v = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== "'"; j++) {
        if (text[j] === '\\') {
          const n = text[++j];
          v += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : (n ?? '');
        } else v += text[j];
      }
      if (j >= text.length) throw new SoqlError('MALFORMED_QUERY', `unterminated string at position ${i}`);
      tokens.push({ t: 'string', v, at: i });
      i = j + 1;
    } else if (DATETIME.test(rest)) {
      const m = DATETIME.exec(rest)![0];
      tokens.push({ t: 'datetime', v: m, at: i });
      i += m.length;
    } else if (DATE.test(rest)) {
      const m = DATE.exec(rest)![0];
      tokens.push({ t: 'date', v: m, at: i });
      i += m.length;
    } else if (/[-\d]/.test(ch) && /^-?\d+(\.\d+)?/.test(rest)) {
      const m = /^-?\d+(\.\d+)?/.exec(rest)![0];
      tokens.push({ t: 'number', v: m, at: i });
      i += m.length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest)![0];
      tokens.push({ t: 'word', v: m, at: i });
      i += m.length;
    } else {
      const m = /^(<=|>=|!=|<>|[=<>(),])/.exec(rest);
      if (!m) throw new SoqlError('MALFORMED_QUERY', `unexpected token '${ch}' at position ${i}`);
      tokens.push({ t: 'punct', v: m[0], at: i });
      i += m[0].length;
    }
  }
  return tokens;
}

export function parseDateTime(text: string): number {
  return Date.parse(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

class Parser {
  private i = 0;
  private readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private isWord(word: string): boolean {
    const t = this.peek();
    return t?.t === 'word' && t.v.toUpperCase() === word;
  }
  private expectWord(word: string): void {
    if (!this.isWord(word)) this.fail(`expected ${word}`);
    this.i++;
  }
  private fail(message: string): never {
    const t = this.peek();
    throw new SoqlError(
      'MALFORMED_QUERY',
      `${message} ${t ? `near '${t.v}' at position ${t.at}` : 'at end of query'}`,
    );
  }
  private ident(): string {
    const t = this.peek();
    if (t?.t !== 'word') this.fail('expected a field name');
    this.i++;
    return t.v;
  }
  private punct(p: string): boolean {
    const t = this.peek();
    if (t?.t === 'punct' && t.v === p) {
      this.i++;
      return true;
    }
    return false;
  }

  parse(): SoqlQuery {
    this.expectWord('SELECT');
    const fields = [this.ident()];
    while (this.punct(',')) fields.push(this.ident());
    this.expectWord('FROM');
    const object = this.ident();
    let where: Condition | null = null;
    if (this.isWord('WHERE')) {
      this.i++;
      where = this.or();
    }
    const orderBy: SoqlQuery['orderBy'] = [];
    if (this.isWord('ORDER')) {
      this.i++;
      this.expectWord('BY');
      do {
        const field = this.ident();
        let desc = false;
        if (this.isWord('ASC')) this.i++;
        else if (this.isWord('DESC')) {
          this.i++;
          desc = true;
        }
        let nullsLast = desc;
        if (this.isWord('NULLS')) {
          this.i++;
          if (this.isWord('FIRST')) nullsLast = false;
          else if (this.isWord('LAST')) nullsLast = true;
          else this.fail('expected FIRST or LAST');
          this.i++;
        }
        orderBy.push({ field, desc, nullsLast });
      } while (this.punct(','));
    }
    let limit: number | null = null;
    let offset = 0;
    if (this.isWord('LIMIT')) {
      this.i++;
      limit = this.integer();
    }
    if (this.isWord('OFFSET')) {
      this.i++;
      offset = this.integer();
    }
    if (this.peek()) this.fail('unexpected token');
    return { fields, object, where, orderBy, limit, offset };
  }

  private integer(): number {
    const t = this.peek();
    if (t?.t !== 'number' || !/^\d+$/.test(t.v)) this.fail('expected a whole number');
    this.i++;
    return Number(t.v);
  }

  private or(): Condition {
    const items = [this.and()];
    while (this.isWord('OR')) {
      this.i++;
      items.push(this.and());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }
  private and(): Condition {
    const items = [this.not()];
    while (this.isWord('AND')) {
      this.i++;
      items.push(this.not());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }
  private not(): Condition {
    if (this.isWord('NOT')) {
      this.i++;
      return { kind: 'not', item: this.not() };
    }
    return this.primary();
  }
  private primary(): Condition {
    if (this.punct('(')) {
      const inner = this.or();
      if (!this.punct(')')) this.fail("expected ')'");
      return inner;
    }
    const field = this.ident();
    if (this.isWord('NOT') || this.isWord('IN')) {
      const negated = this.isWord('NOT');
      if (negated) this.i++;
      this.expectWord('IN');
      if (!this.punct('(')) this.fail("expected '(' after IN");
      const values = [this.literal()];
      while (this.punct(',')) values.push(this.literal());
      if (!this.punct(')')) this.fail("expected ')' after IN list");
      return { kind: 'in', field, negated, values };
    }
    if (this.isWord('LIKE')) {
      this.i++;
      const value = this.literal();
      if (typeof value !== 'string') this.fail('LIKE needs a string');
      return { kind: 'like', field, pattern: value };
    }
    const t = this.peek();
    if (t?.t !== 'punct' || !['=', '!=', '<>', '<', '<=', '>', '>='].includes(t.v)) {
      this.fail('expected an operator');
    }
    this.i++;
    const op = (t.v === '<>' ? '!=' : t.v) as '=' | '!=' | '<' | '<=' | '>' | '>=';
    return { kind: 'compare', field, op, value: this.literal() };
  }
  private literal(): Literal {
    const t = this.peek();
    if (!t) this.fail('expected a value');
    this.i++;
    switch (t.t) {
      case 'string':
        return t.v;
      case 'number':
        return Number(t.v);
      case 'datetime':
        return { dateTime: parseDateTime(t.v) };
      case 'date':
        return { date: t.v };
      case 'word': {
        const w = t.v.toLowerCase();
        if (w === 'null') return null;
        if (w === 'true' || w === 'false') return w === 'true';
        break;
      }
    }
    return this.fail('expected a value');
  }
}

export function parseSoql(text: string): SoqlQuery {
  return new Parser(tokenize(text)).parse();
}

// ---------------------------------------------------------------------------------------------

export type FieldKind = 'datetime' | 'date' | 'number' | 'boolean' | 'id' | 'text';
export type Row = Record<string, unknown>;

/** A scalar as text; anything else (never sent by a valid query) as JSON. */
export function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

function comparable(kind: FieldKind, v: unknown): string | number | boolean | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'object' && 'dateTime' in v) return (v as { dateTime: number }).dateTime;
  if (typeof v === 'object' && 'date' in v) return (v as { date: string }).date;
  switch (kind) {
    case 'datetime':
      return typeof v === 'number' ? v : parseDateTime(scalarText(v));
    case 'number':
      return Number(v);
    case 'boolean':
      return v === true || v === 'true';
    case 'id':
    case 'date':
      return scalarText(v);
    default:
      // SOQL text comparison is case-insensitive.
      return scalarText(v).toLowerCase();
  }
}

function compare(a: string | number | boolean | null, b: string | number | boolean | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function likeRegex(pattern: string): RegExp {
  const body = pattern
    .toLowerCase()
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 's');
}

export function matches(cond: Condition, row: Row, kindOf: (field: string) => FieldKind): boolean {
  switch (cond.kind) {
    case 'and':
      return cond.items.every((c) => matches(c, row, kindOf));
    case 'or':
      return cond.items.some((c) => matches(c, row, kindOf));
    case 'not':
      return !matches(cond.item, row, kindOf);
    case 'in': {
      const kind = kindOf(cond.field);
      const have = comparable(kind, row[cond.field]);
      const found = cond.values.some((v) => have !== null && compare(have, comparable(kind, v)) === 0);
      return cond.negated ? !found : found;
    }
    case 'like': {
      const have = row[cond.field];
      return (
        have !== null && have !== undefined && likeRegex(cond.pattern).test(scalarText(have).toLowerCase())
      );
    }
    case 'compare': {
      const kind = kindOf(cond.field);
      const have = comparable(kind, row[cond.field]);
      const want = comparable(kind, cond.value);
      if (cond.op === '=') return compare(have, want) === 0;
      if (cond.op === '!=') return compare(have, want) !== 0;
      // Ordering comparisons never match null, as in Salesforce.
      if (have === null || want === null) return false;
      const c = compare(have, want);
      return cond.op === '<' ? c < 0 : cond.op === '<=' ? c <= 0 : cond.op === '>' ? c > 0 : c >= 0;
    }
  }
}

/** Every field a query names, for validation against the object's fields. */
export function fieldsOf(query: SoqlQuery): string[] {
  const out = new Set([...query.fields, ...query.orderBy.map((o) => o.field)]);
  const walk = (c: Condition | null): void => {
    if (!c) return;
    switch (c.kind) {
      case 'and':
      case 'or':
        c.items.forEach(walk);
        break;
      case 'not':
        walk(c.item);
        break;
      default:
        out.add(c.field);
    }
  };
  walk(query.where);
  return [...out];
}

export function run(query: SoqlQuery, rows: Row[], kindOf: (field: string) => FieldKind): Row[] {
  const selected = query.where ? rows.filter((r) => matches(query.where!, r, kindOf)) : [...rows];
  if (query.orderBy.length) {
    selected.sort((a, b) => {
      for (const o of query.orderBy) {
        const kind = kindOf(o.field);
        const x = comparable(kind, a[o.field]);
        const y = comparable(kind, b[o.field]);
        if (x === y) continue;
        if (x === null || y === null) return (x === null) === o.nullsLast ? 1 : -1;
        const c = compare(x, y);
        return o.desc ? -c : c;
      }
      return 0;
    });
  }
  const start = query.offset;
  return selected.slice(start, query.limit === null ? undefined : start + query.limit);
}
