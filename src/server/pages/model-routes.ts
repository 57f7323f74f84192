/**
 * The model page (`/workspaces/:id/model`): the CodeMirror editor (src/server/client/model-editor.ts,
 * served as /assets/model-editor.js) with inline `rules check` problems, a preset picker, import
 * and export, preview and save with a comment; the version history with a diff page per version
 * and rollback (asked in the layout's dialog). One core: src/admin/models.ts.
 */
import { diffVersions, listPresetInfo, requireVersion, rollbackModel } from '../../admin/models.ts';

import { confirmForm, csrfTokenOf } from './forms.ts';
import { type Notice, esc, page, workspaceHref } from './layout.ts';
import type { PageRoutes } from './page-routes.ts';
import { workspacePage } from './page-routes.ts';

const STYLE = `<style>
#model-editor .cm-editor{border:1px solid #8a94a6;border-radius:5px;background:#fff;max-height:32rem}
#model-editor .cm-scroller{min-height:16rem}
.editor-tools{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin:.5rem 0}
#check-problems{margin:.25rem 0;padding-left:1.2rem}#check-problems .warn{color:#8a5a00}
table.diff td{font:13px/1.4 ui-monospace,monospace;white-space:pre-wrap;padding:0 .4rem;border:0}
table.diff tr.added td{background:#e6f4ea}table.diff tr.removed td{background:#fdecea}
table.diff td.ln{color:#6b7280;text-align:right;width:3.5rem}
</style>`;

function when(iso: string): string {
  return `<time datetime="${esc(iso)}">${esc(iso.replace('T', ' ').slice(0, 16))} UTC</time>`;
}

export const registerModelRoutes: PageRoutes = (router, ctx) => {
  router.get('/workspaces/:id/model', async (req, res) => {
    const { ws, layout } = await workspacePage(ctx, String(req.params.id), 'model');
    const [presets, versions] = await Promise.all([listPresetInfo(), ctx.store.modelVersions.list(ws.id)]);
    const csrf = csrfTokenOf(res);
    const id = encodeURIComponent(ws.id);
    const savedQ = typeof req.query.saved === 'string' ? req.query.saved : '';
    const rolledQ = typeof req.query.rolledBack === 'string' ? req.query.rolledBack : '';
    const saved = /^[0-9a-f]{6,64}$/.test(savedQ);
    const rolled = /^\d{1,12}$/.test(rolledQ);
    const notice: Notice | undefined = saved
      ? {
          kind: 'ok',
          text: `Model saved (${savedQ}): the next sync re-qualifies every contact.`,
        }
      : rolled
        ? { kind: 'ok', text: `Rolled back to version ${rolledQ}.` }
        : undefined;
    const history = versions
      .map((v) => {
        const inUse = v.version === ws.model.version;
        return `<tr data-version="${v.id}"><td class="num">${v.id}</td><td>${when(v.savedAt)}</td><td>${esc(v.actor)}</td><td><code>${esc(v.version)}</code>${inUse ? ' <span class="badge ok">in use</span>' : ''}</td><td>${esc(v.comment)}</td>
<td><a href="${esc(workspaceHref(ws.id, 'model', `/versions/${v.id}`))}">${inUse ? 'View' : 'Diff and roll back'}</a></td></tr>`;
      })
      .join('');
    const body = `<section class="card"><h1>Model of ${esc(ws.name)}</h1>
<p class="muted">In use: ${esc(ws.model.ref)} @ <code>${esc(ws.model.version)}</code> · <a href="/api/workspaces/${id}/model.yaml" download>Export YAML</a></p>
<div class="editor-tools">
<label>Start from a preset <select id="preset">${presets.map((p) => `<option value="${esc(p.name)}">${esc(p.name)} — ${esc(p.stages.join(' → '))}</option>`).join('')}</select></label>
<button type="button" id="preset-load">Load preset</button>
<label>Import a YAML file <input type="file" id="import-file" accept=".yaml,.yml,text/yaml"></label>
</div>
<div id="model-editor" data-workspace="${esc(ws.id)}" data-csrf="${esc(csrf)}">
<label for="model-text">Model YAML</label>
<textarea id="model-text" name="yaml" rows="24" cols="80" spellcheck="false">${esc(ws.model.text)}</textarea>
</div>
<p id="check-status" role="status" aria-live="polite" class="muted">Checking…</p>
<ul id="check-problems" aria-label="Problems and warnings"></ul>
<p><button type="button" id="preview">Preview on this workspace</button></p>
<div id="preview-result" aria-live="polite"></div>
<form id="save-form" class="save"><label for="save-comment">Comment</label> <input type="text" id="save-comment" name="comment" maxlength="500" placeholder="why this change" required> <button class="primary" type="submit">Save model</button></form>
<div id="save-result" role="status" aria-live="polite"></div>
</section>
<section class="card"><h2>History</h2><div class="table-wrap"><table class="history"><thead><tr><th scope="col" class="num">#</th><th scope="col">Saved</th><th scope="col">By</th><th scope="col">Version</th><th scope="col">Comment</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody>${history}</tbody></table></div></section>
${STYLE}<script type="module" src="/assets/model-editor.js"></script>`;
    res.type('html').send(page(`Model · ${ws.name}`, body, { ...layout, ...(notice ? { notice } : {}) }));
  });

  router.get('/workspaces/:id/model/versions/:vid', async (req, res) => {
    const { ws, layout } = await workspacePage(ctx, String(req.params.id), 'model');
    const v = await requireVersion(ctx.store, ws, Number(req.params.vid));
    const diff = await diffVersions(ctx.store, ws, v.id);
    const rows = diff.hunks
      .map(
        (h) =>
          `<tbody>${h.lines
            .map(
              (l) =>
                `<tr class="${l.kind}"><td class="ln">${l.oldLine ?? ''}</td><td class="ln">${l.newLine ?? ''}</td><td><span class="sr-only">${l.kind === 'added' ? 'added' : l.kind === 'removed' ? 'removed' : ''}</span>${l.kind === 'added' ? '+' : l.kind === 'removed' ? '−' : ' '} ${esc(l.text)}</td></tr>`,
            )
            .join('')}</tbody>`,
      )
      .join('');
    const inUse = v.version === ws.model.version;
    const body = `<section class="card"><h1>Version ${v.id} of ${esc(ws.name)}'s model</h1>
<p class="muted">${when(v.savedAt)} by ${esc(v.actor)} · <code>${esc(v.version)}</code> · ${esc(v.comment || 'no comment')}</p>
<h2>Against the model in use</h2>
${rows ? `<div class="table-wrap"><table class="diff"><caption class="sr-only">Lines of version ${v.id} (left numbers) against the model in use (right numbers)</caption>${rows}</table></div>` : '<p>Identical to the model in use.</p>'}
${
  inUse
    ? '<p class="muted">This is the model in use.</p>'
    : confirmForm(
        `/workspaces/${encodeURIComponent(ws.id)}/model/versions/${v.id}/rollback`,
        csrfTokenOf(res),
        {
          label: `Roll back to version ${v.id}`,
          question: `Save version ${v.id} as ${ws.name}'s model? The next sync re-qualifies every contact with it.`,
          confirmLabel: 'Roll back',
        },
      )
}
<p><a href="${esc(workspaceHref(ws.id, 'model'))}">Back to the editor</a></p></section>${STYLE}`;
    res
      .type('html')
      .send(
        page(`Version ${v.id} · ${ws.name}`, body, { ...layout, crumbs: [{ label: `Version ${v.id}` }] }),
      );
  });

  router.post('/workspaces/:id/model/versions/:vid/rollback', async (req, res) => {
    const { ws } = await workspacePage(ctx, String(req.params.id), 'model');
    const id = Number(req.params.vid);
    await rollbackModel(ctx.store, ws, id, 'web');
    ctx.log.info('workspace model rolled back', { workspace: ws.name, to: id });
    res.redirect(303, `${workspaceHref(ws.id, 'model')}?rolledBack=${id}`);
  });
};
