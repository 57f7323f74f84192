/**
 * Parses a query string the way PHP does (`where[0][val][1][col]=id` → nested arrays), independent
 * of the host app's `query parser` setting. Objects whose keys are 0..n-1 become arrays.
 */
export type PhpValue = string | PhpValue[] | { [k: string]: PhpValue };

type Node = { [k: string]: Node | string };

function toValue(node: Node | string): PhpValue {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  const values = keys.map((k) => toValue(node[k]!));
  const isList = keys.every((k, i) => k === String(i));
  return isList && keys.length > 0 ? values : Object.fromEntries(keys.map((k, i) => [k, values[i]!]));
}

export function parsePhpQuery(url: string): Record<string, PhpValue> {
  const q = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const root: Node = {};
  for (const pair of q.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    const m = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(rawKey);
    if (!m) continue;
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!)];
    let node = root;
    path.forEach((part, i) => {
      // `a[]=x` appends like PHP does.
      const key = part === '' ? String(Object.keys(node).length) : part;
      if (i === path.length - 1) node[key] = value;
      else {
        const child = node[key];
        node = node[key] = typeof child === 'object' ? child : {};
      }
    });
  }
  const out: Record<string, PhpValue> = {};
  for (const [k, v] of Object.entries(root)) out[k] = toValue(v);
  return out;
}

export function str(v: PhpValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function list(v: PhpValue | undefined): PhpValue[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') return Object.values(v);
  return [v];
}
