/**
 * PHP-style query strings: `{ where: [{ col: 'id', expr: 'gt', val: 5 }] }` →
 * `where[0][col]=id&where[0][expr]=gt&where[0][val]=5`, the only nesting Mautic's API reads.
 */
export type QueryValue =
  string | number | boolean | null | undefined | QueryValue[] | { [k: string]: QueryValue };

export function toPhpQuery(params: Record<string, QueryValue>): string {
  const parts: string[] = [];
  const walk = (key: string, value: QueryValue) => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) value.forEach((v, i) => walk(`${key}[${i}]`, v));
    else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(`${key}[${k}]`, v);
    else {
      parts.push(
        `${encodeURIComponent(key)}=${encodeURIComponent(typeof value === 'boolean' ? (value ? 1 : 0) : value)}`,
      );
    }
  };
  for (const [k, v] of Object.entries(params)) walk(k, v);
  return parts.join('&');
}
