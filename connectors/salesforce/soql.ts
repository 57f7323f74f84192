/** Building SOQL safely: every value that goes into a query passes through here. */

/** A quoted SOQL string literal (backslash and quote escaped, control characters spelled out). */
export function soqlString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `'${escaped}'`;
}

export function soqlList(values: readonly string[]): string {
  return `(${values.map(soqlString).join(', ')})`;
}

/** Salesforce writes `2024-01-15T10:20:30.000+0000`; SOQL datetime literals want a valid ISO form. */
export function soqlDateTime(value: string): string {
  const normalised = value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const ms = Date.parse(normalised);
  if (Number.isNaN(ms)) throw new Error(`not a date-time: ${value}`);
  // Whole seconds (all Salesforce stores) are written without a fraction, the documented form.
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Keyset condition for `ORDER BY LastModifiedDate, Id`: strictly after the last row seen. */
export function modifiedAfter(at: string | null, lastId: string | null): string | null {
  if (!at) return null;
  const t = soqlDateTime(at);
  if (!lastId) return `LastModifiedDate > ${t}`;
  return `(LastModifiedDate > ${t} OR (LastModifiedDate = ${t} AND Id > ${soqlString(lastId)}))`;
}

/** Splits ids/values into IN lists short enough for a GET query URL. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
