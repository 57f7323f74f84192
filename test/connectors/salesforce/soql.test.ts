/** Building SOQL (connector) and reading it (sandbox) agree, including escaping and keyset paging. */
import { describe, expect, it } from 'vitest';

import { matches, parseSoql, run, SoqlError } from '../../../connectors/salesforce/sandbox/soql.ts';
import { modifiedAfter, soqlDateTime, soqlList, soqlString } from '../../../connectors/salesforce/soql.ts';

const kindOf = (field: string) =>
  field === 'LastModifiedDate' ? 'datetime' : field === 'Id' ? 'id' : 'text';

describe('connector-side SOQL', () => {
  it.each([
    ["O'Brien", "'O\\'Brien'"],
    ['back\\slash', "'back\\\\slash'"],
    ['two\nlines', "'two\\nlines'"],
  ])('quotes %j as %s', (value, quoted) => {
    expect(soqlString(value)).toBe(quoted);
  });

  it('a quoted value reads back as the same string, even when it tries to escape the literal', () => {
    const hostile = "x') OR Name != ('";
    const q = parseSoql(`SELECT Id FROM Account WHERE Name IN ${soqlList([hostile, 'plain'])}`);
    expect(q.where).toStrictEqual({ kind: 'in', field: 'Name', negated: false, values: [hostile, 'plain'] });
  });

  it('writes date-times the documented way', () => {
    expect(soqlDateTime('2026-11-20T09:00:00.000+0000')).toBe('2026-11-20T09:00:00Z');
    expect(soqlDateTime('2026-11-20T09:00:00.250Z')).toBe('2026-11-20T09:00:00.250Z');
    expect(() => soqlDateTime('yesterday')).toThrow(/not a date-time/);
    expect(modifiedAfter(null, null)).toBeNull();
  });

  it('keyset paging on (LastModifiedDate, Id) visits every row once even when timestamps tie', () => {
    const rows = [
      { Id: '00Q04', LastModifiedDate: '2026-11-20T09:00:01.000+0000' },
      { Id: '00Q01', LastModifiedDate: '2026-11-20T09:00:00.000+0000' },
      { Id: '00Q03', LastModifiedDate: '2026-11-20T09:00:00.000+0000' },
      { Id: '00Q02', LastModifiedDate: '2026-11-20T09:00:00.000+0000' },
      { Id: '00Q05', LastModifiedDate: '2026-11-20T09:00:01.000+0000' },
    ];
    const seen: string[] = [];
    let at: string | null = null;
    let lastId: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const where = modifiedAfter(at, lastId);
      const page = run(
        parseSoql(
          `SELECT Id, LastModifiedDate FROM Lead${where ? ` WHERE ${where}` : ''} ORDER BY LastModifiedDate, Id LIMIT 2`,
        ),
        rows,
        kindOf,
      );
      if (!page.length) break;
      seen.push(...page.map((r) => String(r.Id)));
      at = String(page[page.length - 1]!.LastModifiedDate);
      lastId = String(page[page.length - 1]!.Id);
    }
    expect(seen).toStrictEqual(['00Q01', '00Q02', '00Q03', '00Q04', '00Q05']);
  });
});

describe('sandbox SOQL parser', () => {
  it('parses the shapes the connector sends', () => {
    const q = parseSoql(
      "SELECT Id, Status FROM Lead WHERE Leadstage_External_Id__c != null AND (LastModifiedDate > 2026-11-20T09:00:00Z OR (LastModifiedDate = 2026-11-20T09:00:00Z AND Id > '00Q1')) ORDER BY LastModifiedDate, Id LIMIT 200",
    );
    expect(q.fields).toStrictEqual(['Id', 'Status']);
    expect(q.object).toBe('Lead');
    expect(q.limit).toBe(200);
    expect(q.orderBy).toStrictEqual([
      { field: 'LastModifiedDate', desc: false, nullsLast: false },
      { field: 'Id', desc: false, nullsLast: false },
    ]);
    const row = {
      Leadstage_External_Id__c: 'hubspot:1',
      LastModifiedDate: '2026-11-20T09:00:00.000+0000',
      Id: '00Q2',
    };
    expect(matches(q.where!, row, kindOf)).toBe(true);
    expect(matches(q.where!, { ...row, Id: '00Q0' }, kindOf)).toBe(false);
    expect(matches(q.where!, { ...row, Leadstage_External_Id__c: null }, kindOf)).toBe(false);
  });

  it('compares text case-insensitively and supports NOT IN, LIKE, DESC, OFFSET', () => {
    const rows = [{ Name: 'Acme' }, { Name: 'acme labs' }, { Name: 'Globex' }];
    const kind = () => 'text' as const;
    expect(run(parseSoql("SELECT Name FROM Account WHERE Name = 'ACME'"), rows, kind)).toStrictEqual([
      { Name: 'Acme' },
    ]);
    expect(
      run(parseSoql("SELECT Name FROM Account WHERE Name LIKE 'acme%' ORDER BY Name DESC"), rows, kind).map(
        (r) => r.Name,
      ),
    ).toStrictEqual(['acme labs', 'Acme']);
    expect(
      run(
        parseSoql("SELECT Name FROM Account WHERE NOT Name IN ('Globex') ORDER BY Name LIMIT 1 OFFSET 1"),
        rows,
        kind,
      ),
    ).toStrictEqual([{ Name: 'acme labs' }]);
  });

  it.each([
    ['SELECT FROM Lead', /expected FROM near 'Lead'/],
    ["SELECT Id FROM Lead WHERE Name = 'open", /unterminated string/],
    ['SELECT Id FROM Lead WHERE Name ~ 1', /unexpected token '~'/],
    ['SELECT Id FROM Lead LIMIT many', /expected a whole number/],
    ['SELECT Id FROM Lead GROUP BY Id', /unexpected token near 'GROUP'/],
  ])('%s is MALFORMED_QUERY', (soql, message) => {
    let caught: unknown;
    try {
      parseSoql(soql);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SoqlError);
    expect((caught as SoqlError).errorCode).toBe('MALFORMED_QUERY');
    expect((caught as Error).message).toMatch(message);
  });
});
