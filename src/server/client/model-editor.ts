/**
 * The model page's editor, bundled by esbuild when the server starts (src/server/assets.ts):
 * CodeMirror 6 with YAML, `rules check` problems and warnings drawn at their line and column as
 * the admin types (POST /api/models/check), a preset picker, import from a file, and "preview on
 * this workspace" and "save with a comment" through the same API the CLI's core serves.
 * Without JavaScript the page still shows the model in a labelled textarea.
 */
import { basicSetup, EditorView } from 'codemirror';
import { yaml } from '@codemirror/lang-yaml';
import { type Diagnostic, linter, lintGutter } from '@codemirror/lint';
import type { Text } from '@codemirror/state';

interface Problem {
  line: number;
  column: number;
  path: string;
  message: string;
}
interface Check {
  valid: boolean;
  problems: Problem[];
  warnings: Problem[];
  summary: { name: string; version: string; stages: string[]; handoffStage: string | null } | null;
}
interface Preview {
  unchanged: boolean;
  version: string;
  preview: {
    evaluated: number;
    moves: { from: string | null; to: string; count: number }[];
    entering: Record<string, number>;
    leaving: Record<string, number>;
    wouldWriteBack: number;
    wouldHandOff: number;
    wouldHandOffNew: number;
    samples: { contactId: string; from: string | null; to: string; summary: string; explanation?: string }[];
  };
}
interface ApiError {
  error: { message: string; problems?: Problem[] };
}

const root = document.getElementById('model-editor');
const textarea = document.getElementById('model-text') as HTMLTextAreaElement | null;
if (root && textarea) start(root, textarea);

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** A captioned table with column headers and one row of cells per item. */
function dataTable(cls: string, caption: string, headers: string[], rows: HTMLElement[][]): HTMLElement {
  return el(
    'table',
    { class: cls },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells))),
  );
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the model page lacks #${id}`);
  return node as T;
}

async function api<T>(csrf: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as T | ApiError;
  if (!res.ok) {
    const err = (json as ApiError).error;
    const located = err.problems?.map((p) => `line ${p.line}:${p.column} ${p.message}`).join('; ');
    throw new Error(located ? `${err.message}: ${located}` : err.message);
  }
  return json as T;
}

/** A problem's line and column (1-based) as a document offset, clamped to the document. */
function offset(doc: Text, line: number, column: number): number {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return Math.min(l.from + Math.max(column - 1, 0), l.to);
}

function start(root: HTMLElement, textarea: HTMLTextAreaElement): void {
  const csrf = root.dataset.csrf ?? '';
  const workspace = root.dataset.workspace ?? '';
  const base = `/api/workspaces/${encodeURIComponent(workspace)}`;
  const status = byId<HTMLElement>('check-status');
  const problemList = byId<HTMLUListElement>('check-problems');
  const previewOut = byId<HTMLElement>('preview-result');
  const saveOut = byId<HTMLElement>('save-result');

  const showCheck = (check: Check) => {
    problemList.replaceChildren(
      ...check.problems.map((p) =>
        el('li', { class: 'bad' }, `Line ${p.line}, column ${p.column}: ${p.message} (${p.path})`),
      ),
      ...check.warnings.map((p) =>
        el('li', { class: 'warn' }, `Line ${p.line}, column ${p.column}: warning: ${p.message}`),
      ),
    );
    status.className = check.valid ? 'ok' : 'bad';
    status.textContent = check.summary
      ? `Valid${check.warnings.length ? ` with ${check.warnings.length} warning(s)` : ''}: ${check.summary.stages.join(' → ')}${check.summary.handoffStage ? `, hands off at ${check.summary.handoffStage}` : ''}`
      : `${check.problems.length} problem(s)`;
  };

  // The same check as `leadstage rules check`, drawn at line and column while typing.
  const check = linter(
    async (view): Promise<Diagnostic[]> => {
      const text = view.state.doc.toString();
      textarea.value = text;
      let result: Check;
      try {
        result = await api<Check>(csrf, 'POST', '/api/models/check', { yaml: text });
      } catch (err) {
        status.className = 'bad';
        status.textContent = `Check failed: ${(err as Error).message}`;
        return [];
      }
      showCheck(result);
      const doc = view.state.doc;
      const diagnostic = (p: Problem, severity: 'error' | 'warning'): Diagnostic => {
        const from = offset(doc, p.line, p.column);
        return {
          from,
          to: Math.max(from, doc.lineAt(from).to),
          severity,
          message: p.message,
          source: p.path,
        };
      };
      return [
        ...result.problems.map((p) => diagnostic(p, 'error')),
        ...result.warnings.map((p) => diagnostic(p, 'warning')),
      ];
    },
    { delay: 300 },
  );

  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      yaml(),
      lintGutter(),
      check,
      EditorView.contentAttributes.of({ 'aria-label': 'Model YAML', 'aria-describedby': 'check-status' }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) textarea.value = u.state.doc.toString();
      }),
    ],
  });
  textarea.hidden = true;
  textarea.after(view.dom);
  const setText = (text: string) => {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    view.focus();
  };

  byId<HTMLButtonElement>('preset-load').addEventListener('click', () => {
    const name = byId<HTMLSelectElement>('preset').value;
    api<{ yaml: string }>(csrf, 'GET', `/api/models/presets/${encodeURIComponent(name)}`)
      .then((p) => setText(p.yaml))
      .catch((err: Error) => {
        status.className = 'bad';
        status.textContent = err.message;
      });
  });

  byId<HTMLInputElement>('import-file').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void file.text().then(setText);
  });

  byId<HTMLButtonElement>('preview').addEventListener('click', () => {
    previewOut.textContent = 'Evaluating every stored contact…';
    api<Preview>(csrf, 'POST', `${base}/model/preview`, { yaml: view.state.doc.toString() })
      .then((r) => previewOut.replaceChildren(...renderPreview(r)))
      .catch((err: Error) => {
        previewOut.replaceChildren(el('p', { class: 'bad' }, err.message));
      });
  });

  byId<HTMLFormElement>('save-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const comment = byId<HTMLInputElement>('save-comment').value;
    saveOut.textContent = 'Saving…';
    api<{ saved: boolean; unchanged: boolean; model: { version: string } }>(csrf, 'POST', `${base}/model`, {
      yaml: view.state.doc.toString(),
      comment,
    })
      .then((r) => {
        if (r.unchanged) {
          saveOut.textContent = 'Nothing to save: this is the model in use.';
          return;
        }
        // The history below is drawn by the server: reload it with the new entry.
        window.location.assign(`${window.location.pathname}?saved=${encodeURIComponent(r.model.version)}`);
      })
      .catch((err: Error) => {
        saveOut.replaceChildren(el('p', { class: 'bad' }, err.message));
      });
  });
}

function renderPreview(r: Preview): Node[] {
  const p = r.preview;
  if (r.unchanged) return [el('p', {}, 'This is the model in use: saving it changes nothing.')];
  const moves: HTMLElement = p.moves.length
    ? dataTable(
        'moves',
        'Moves per stage',
        ['From', 'To', 'Contacts'],
        p.moves.map((m) => [
          el('td', {}, m.from ?? '(new)'),
          el('td', {}, m.to),
          el('td', { class: 'num' }, String(m.count)),
        ]),
      )
    : el('p', {}, 'No contact would change stage.');
  const samples: HTMLElement | null = p.samples.length
    ? dataTable(
        'samples',
        'Sample contacts and why',
        ['Contact', 'Move', 'Explanation'],
        p.samples.map((s) => [
          el('td', {}, s.contactId),
          el('td', {}, `${s.from ?? '(new)'} → ${s.to}`),
          // The full text the contact page shows, falling back to the one-line summary.
          el('td', {}, el('pre', { class: 'explanation' }, s.explanation ?? s.summary)),
        ]),
      )
    : null;
  return [
    el(
      'p',
      { class: 'preview-summary' },
      `${p.evaluated} contact(s) evaluated; ${p.moves.reduce((n, m) => n + m.count, 0)} would move; ` +
        `${p.wouldWriteBack} written back; ${p.wouldHandOff} handed off (${p.wouldHandOffNew} new to the CRM).`,
    ),
    moves,
    samples,
  ].filter((n): n is HTMLElement => n !== null);
}
