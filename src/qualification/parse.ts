/**
 * Reads model YAML and reports every problem at its line and column, so an admin fixes the whole
 * file in one pass instead of one error per run.
 */
import { isCollection, isNode, LineCounter, parseDocument, type Node } from 'yaml';

import { LIMITS } from './limits.ts';
import { parseModelFile, type ModelFile, type Path, type SchemaProblem } from './schema.ts';

export interface ModelProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path inside the model, e.g. `stages[2].requires.all[0].score`. */
  path: string;
  message: string;
}

export class ModelError extends Error {
  readonly code = 'model_invalid';
  readonly problems: ModelProblem[];
  constructor(problems: ModelProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
    this.name = 'ModelError';
  }
}

export function formatProblem(p: ModelProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export function formatPath(path: Path): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');
}

/** Parses and validates; throws ModelError listing every problem. */
export function parseModelText(text: string, file: string): ModelFile {
  const { model, problems } = checkModelText(text, file);
  if (model) return model;
  throw new ModelError(problems);
}

export interface ModelCheck {
  model?: ModelFile;
  problems: ModelProblem[];
  warnings: ModelProblem[];
}

/** Every problem and warning of a model text, located at line and column, in one pass. */
export function checkModelText(text: string, file: string): ModelCheck {
  if (text.length > LIMITS.textLength) {
    const message = `the model text has ${text.length} characters; at most ${LIMITS.textLength}`;
    return { problems: [{ file, line: 1, column: 1, path: '', message }], warnings: [] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((e) => {
        const { line, col } = at(e.pos[0]);
        return { file, line, column: col, path: '', message: `YAML: ${e.message.split('\n')[0]}` };
      }),
      warnings: [],
    };
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // The yaml library refuses to expand too many aliases (a "billion laughs" bomb) by throwing.
    const message = err instanceof Error ? err.message : String(err);
    return { problems: [{ file, line: 1, column: 1, path: '', message: `YAML: ${message}` }], warnings: [] };
  }
  const { model, problems, warnings } = parseModelFile(data);
  const locate = (list: SchemaProblem[]): ModelProblem[] =>
    list
      .map((p) => {
        const { line, col } = at(offsetOf(doc.contents, p.path));
        return { file, line, column: col, path: formatPath(p.path), message: p.message };
      })
      .sort((a, b) => a.line - b.line || a.column - b.column);
  return { ...(model ? { model } : {}), problems: locate(problems), warnings: locate(warnings) };
}

/** The deepest node on `path` that exists in the document; for an unknown key, the key itself. */
function offsetOf(root: unknown, path: Path): number {
  let node: unknown = root;
  let best = isNode(root) ? (root.range?.[0] ?? 0) : 0;
  for (const [i, step] of path.entries()) {
    if (!isCollection(node)) break;
    const pair = isMapLike(node) ? node.items.find((p) => keyOf(p.key) === String(step)) : undefined;
    if (pair) {
      best = (isNode(pair.key) ? pair.key.range?.[0] : undefined) ?? best;
      if (i === path.length - 1) break;
      node = pair.value;
      if (isNode(node) && node.range) best = (node as Node).range![0];
      continue;
    }
    const next = typeof step === 'number' ? node.get(step, true) : undefined;
    if (!isNode(next)) break;
    node = next;
    best = next.range?.[0] ?? best;
  }
  return best;
}

interface PairLike {
  key: unknown;
  value: unknown;
}

function isMapLike(node: unknown): node is { items: PairLike[] } {
  const items = (node as { items?: unknown }).items;
  return Array.isArray(items) && items.every((i) => typeof i === 'object' && i !== null && 'key' in i);
}

function keyOf(key: unknown): string {
  if (isNode(key) && 'value' in key) return String((key as { value: unknown }).value);
  return String(key);
}
