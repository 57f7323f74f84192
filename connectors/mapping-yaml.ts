/**
 * Mapping files are YAML checked by a zod schema; an admin fixing one needs the line as well as the
 * field. This turns zod issues into `source:line: path: message`, the line being that of the deepest
 * node on the path that exists (a missing key points at its parent).
 */
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

type Doc = ReturnType<typeof parseDocument>;

function lineOf(doc: Doc, counter: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return undefined;
}

export type MappingParse<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Parses `text` against `schema`; problems name `source`, the line and the field path. */
export function parseMappingYaml<S extends z.ZodType>(
  text: string,
  source: string,
  schema: S,
): MappingParse<z.output<S>> {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    return {
      ok: false,
      problems: [`${source}${line ? `:${line}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`],
    };
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const line = lineOf(doc, counter, path);
      return `${source}${line ? `:${line}` : ''}: ${path.join('.') || '(root)'}: ${issue.message}`;
    }),
  };
}
