/**
 * The HTML shell every console page shares: header with the breadcrumb and workspace switcher, the
 * per-workspace sub-navigation, notices, the stylesheet, and the confirmation dialog that guards
 * destructive forms. Pages hand it their body; nothing here reads the store.
 */
export function esc(value: string | number | boolean | null | undefined): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The tabs of a workspace, in the order the sub-navigation shows them. */
export const WORKSPACE_TABS = [
  { tab: 'overview', label: 'Overview', path: '' },
  { tab: 'model', label: 'Model', path: '/model' },
  { tab: 'mappings', label: 'Mappings', path: '/mappings' },
  { tab: 'handoff', label: 'Handoff', path: '/handoff' },
  { tab: 'sync', label: 'Sync health', path: '/sync' },
  { tab: 'contacts', label: 'Contacts', path: '/contacts' },
  { tab: 'funnel', label: 'Funnel', path: '/funnel' },
] as const;
export type WorkspaceTab = (typeof WORKSPACE_TABS)[number]['tab'];

/** The console address of a workspace's tab (`overview`: the workspace page itself). */
export function workspaceHref(id: string, tab: WorkspaceTab = 'overview', rest = ''): string {
  const path = WORKSPACE_TABS.find((t) => t.tab === tab)?.path ?? '';
  return `/workspaces/${encodeURIComponent(id)}${path}${rest}`;
}

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

export interface NavWorkspace {
  id: string;
  name: string;
}

export interface PageOptions {
  /** Shows the console navigation and the sign-out button. */
  signedIn?: boolean;
  /** Inline script run after the body (CSP allows inline scripts from this origin only). */
  script?: string;
  /** The workspace the page belongs to: adds it to the breadcrumb and shows its sub-navigation. */
  workspace?: NavWorkspace;
  /** Which sub-navigation tab is current. */
  tab?: WorkspaceTab;
  /** All workspaces, for the switcher in the header (omitted: no switcher). */
  workspaces?: NavWorkspace[];
  /** Breadcrumb entries after the workspace (e.g. a contact), the last one being this page. */
  crumbs?: { label: string; href?: string }[];
  notice?: Notice;
  /**
   * The language of the page's content (BCP 47, default `en`): a French model's Funnel and Contacts
   * pages are `fr`. The console's own chrome stays English and then says so on its elements
   * (`lang="en"`), so a screen reader reads each part in its language (WCAG 3.1.2).
   */
  lang?: string;
}

const STYLE = `
*,*::before,*::after{box-sizing:border-box}
html{overflow-wrap:anywhere}
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
a{color:#2458d3}
header.top{background:#1d2433;color:#fff;padding:.55rem 1.5rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;justify-content:space-between;align-items:center}
header.top a{color:#dfe5f0;text-decoration:none}
header.top a:hover,header.top a:focus{text-decoration:underline}
header.top .brand{font-weight:700;color:#fff;margin-right:.5rem}
nav.crumbs{display:flex;flex-wrap:wrap;align-items:center;gap:.35rem;min-width:0}
nav.crumbs ol{list-style:none;display:flex;flex-wrap:wrap;gap:.35rem;margin:0;padding:0}
nav.crumbs li+li::before{content:"›";color:#8a94a6;margin-right:.35rem}
header.top .right{display:flex;align-items:center;gap:.75rem}
header.top details.switcher{position:relative}
header.top details.switcher summary{cursor:pointer;color:#dfe5f0;list-style:none;padding:.2rem .5rem;border:1px solid #4a5468;border-radius:5px}
header.top details.switcher ul{position:absolute;right:0;z-index:5;background:#fff;border:1px solid #dde1e8;border-radius:6px;list-style:none;margin:.3rem 0 0;padding:.3rem 0;min-width:14rem;max-height:60vh;overflow-y:auto;box-shadow:0 4px 14px rgba(0,0,0,.15)}
header.top details.switcher li a{display:block;color:#1d2433;padding:.3rem .8rem}
header.top details.switcher li a[aria-current]{font-weight:600}
nav.tabs{background:#fff;border-bottom:1px solid #dde1e8;padding:0 1.5rem}
nav.tabs ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem;margin:0 auto;padding:0;max-width:1200px}
nav.tabs a{display:block;padding:.6rem .8rem;color:#394150;text-decoration:none;border-bottom:3px solid transparent}
nav.tabs a:hover,nav.tabs a:focus{color:#1d2433;border-bottom-color:#c5ccd8}
nav.tabs a[aria-current="page"]{color:#2458d3;border-bottom-color:#2458d3;font-weight:600}
main{max-width:1200px;margin:1.25rem auto;padding:0 1.5rem}
section.ws,section.card{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:1rem 1.25rem;margin-bottom:1.25rem;min-width:0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}
h1,h2,h3{margin:.2rem 0 .6rem;line-height:1.25}
h1{font-size:1.5rem}h2{font-size:1.2rem}h3{font-size:1.02rem}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;margin:.5rem 0;overflow-wrap:break-word}
td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eef0f3;font-size:14px;vertical-align:top}
th{font-weight:600;color:#394150}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ok{color:#137333}.bad{color:#b3261e}.warn{color:#8a5a00}.muted{color:#6b7280}
.badge{display:inline-block;white-space:nowrap;padding:0 .45rem;border-radius:999px;font-size:12px;font-weight:600;background:#eef0f3;color:#394150}
.badge.ok{background:#e6f4ea;color:#137333}.badge.bad{background:#fdecea;color:#b3261e}.badge.warn{background:#fff4d6;color:#8a5a00}
.notice{padding:.6rem 1rem;border-radius:6px;margin-bottom:1rem;background:#e8f3ec;border:1px solid #b7dfc4}
.notice.error{background:#fdecea;border-color:#f5c2bd}
form.inline{display:inline-block;margin:.2rem .4rem .2rem 0}
label{font-weight:500}
button,.button{font:inherit;display:inline-block;padding:.3rem .8rem;border-radius:5px;border:1px solid #8a94a6;background:#fff;color:#1d2433;cursor:pointer;text-decoration:none}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:2px solid #2458d3;outline-offset:2px}
button.primary,.button.primary{background:#2458d3;color:#fff;border-color:#2458d3}
button.danger{background:#b3261e;color:#fff;border-color:#b3261e}
button:disabled{opacity:.55;cursor:default}
input[type=url],input[type=password],input[type=text],input[type=search],input[type=number],input[type=email],select,textarea{font:inherit;padding:.3rem .5rem;border:1px solid #8a94a6;border-radius:5px;max-width:100%}
input[type=url],input[type=password],input[type=text],input[type=search]{min-width:min(18rem,100%)}
code{background:#eef0f3;padding:0 .25rem;border-radius:3px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f4f6;padding:.6rem;border-radius:6px;max-width:100%}
svg,img{max-width:100%;height:auto}
progress{width:100%;height:.9rem}
ul.plain{list-style:none;padding:0;margin:.3rem 0}ul.plain li{margin:.25rem 0}
.actions{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:center;margin:.3rem 0 .6rem}
nav.pager{display:flex;gap:.5rem;margin-top:.5rem}
dialog.confirm{border:1px solid #dde1e8;border-radius:8px;padding:1.25rem;max-width:32rem;width:calc(100% - 2rem)}
dialog.confirm::backdrop{background:rgba(29,36,51,.45)}
dialog.confirm .actions{display:flex;justify-content:flex-end;gap:.5rem;margin-top:1rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

/**
 * Forms with `data-confirm` ask first, in a modal dialog (focus starts on Cancel; Escape cancels).
 * Without JavaScript they submit straight away: the server must still refuse what it cannot undo
 * without the form's own confirmation field where that matters.
 */
const CONFIRM_SCRIPT = `
(function(){var d=document.getElementById('confirm-dialog');if(!d||!d.showModal)return;var pending=null;
document.addEventListener('submit',function(e){var f=e.target;if(!(f instanceof HTMLFormElement)||!f.dataset.confirm)return;
if(f.dataset.confirmed==='1'){f.dataset.confirmed='';return;}e.preventDefault();pending=f;
d.querySelector('.confirm-text').textContent=f.dataset.confirm;
d.querySelector('.confirm-ok').textContent=f.dataset.confirmLabel||'Confirm';d.showModal();d.querySelector('.confirm-cancel').focus();},true);
d.addEventListener('close',function(){var f=pending;pending=null;if(f&&d.returnValue==='ok'){f.dataset.confirmed='1';f.requestSubmit?f.requestSubmit():f.submit();}});})();`;

/**
 * The dialog's question and its OK label come from the page's form, so they keep the page's
 * language; only its own English words carry `chrome` (` lang="en"` on a page in another language).
 */
const confirmDialog = (
  chrome: string,
) => `<dialog class="confirm" id="confirm-dialog" aria-labelledby="confirm-title"><form method="dialog">
<h2 id="confirm-title"${chrome}>Are you sure?</h2><p class="confirm-text"></p>
<div class="actions"><button type="submit" value="cancel" class="confirm-cancel"${chrome}>Cancel</button><button type="submit" value="ok" class="danger confirm-ok">Confirm</button></div>
</form></dialog>`;

/** ` lang="en"` for the console's English chrome on a page in another language; nothing on an English page. */
const chromeLang = (lang: string) => (lang === 'en' ? '' : ' lang="en"');

function switcher(options: PageOptions): string {
  if (!options.workspaces?.length) return '';
  const current = options.workspace?.id;
  const tab = options.tab ?? 'overview';
  const items = options.workspaces
    .map(
      (w) =>
        `<li><a href="${esc(workspaceHref(w.id, tab))}"${w.id === current ? ' aria-current="true"' : ''}>${esc(w.name)}</a></li>`,
    )
    .join('');
  return `<details class="switcher"><summary>Switch workspace</summary><ul>${items}<li><a href="/workspaces">All workspaces</a></li></ul></details>`;
}

function breadcrumb(options: PageOptions): string {
  const crumbs: { label: string; href?: string }[] = [{ label: 'Workspaces', href: '/workspaces' }];
  if (options.workspace) {
    crumbs.push({ label: options.workspace.name, href: workspaceHref(options.workspace.id) });
    const tab = WORKSPACE_TABS.find((t) => t.tab === options.tab);
    if (tab && tab.tab !== 'overview') {
      crumbs.push({ label: tab.label, href: workspaceHref(options.workspace.id, tab.tab) });
    }
  }
  crumbs.push(...(options.crumbs ?? []));
  const last = crumbs.length - 1;
  const items = crumbs
    .map((c, i) =>
      i === last || !c.href
        ? `<li><span${i === last ? ' aria-current="page"' : ''}>${esc(c.label)}</span></li>`
        : `<li><a href="${esc(c.href)}">${esc(c.label)}</a></li>`,
    )
    .join('');
  return `<nav class="crumbs" aria-label="Breadcrumb"><ol>${items}</ol></nav>`;
}

function tabs(options: PageOptions, chrome: string): string {
  const ws = options.workspace;
  if (!ws) return '';
  const items = WORKSPACE_TABS.map(
    (t) =>
      `<li><a href="${esc(workspaceHref(ws.id, t.tab))}"${t.tab === options.tab ? ' aria-current="page"' : ''} data-tab="${t.tab}">${t.label}</a></li>`,
  ).join('');
  return `<nav class="tabs"${chrome} aria-label="${esc(ws.name)}"><ul>${items}</ul></nav>`;
}

/** `chrome`: ` lang="en"` when the page is in another language (notices are the console's words). */
export function noticeHtml(notice: Notice | undefined, chrome = ''): string {
  if (!notice) return '';
  return `<p class="notice${notice.kind === 'error' ? ' error' : ''}"${chrome} role="${notice.kind === 'error' ? 'alert' : 'status'}">${esc(notice.text)}</p>`;
}

export function page(title: string, body: string, options: PageOptions = {}): string {
  const signedIn = options.signedIn ?? false;
  const lang = options.lang ?? 'en';
  const chrome = chromeLang(lang);
  const nav = signedIn ? breadcrumb(options) : '';
  const right = signedIn
    ? `<div class="right">${switcher(options)}<form class="inline" method="post" action="/logout"><button type="submit">Sign out</button></form></div>`
    : '';
  return `<!doctype html>
<html lang="${esc(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,"><title>${esc(title)} · leadstage</title><style>${STYLE}</style></head>
<body><header class="top"${chrome}><div class="left" style="display:flex;align-items:center;flex-wrap:wrap;min-width:0"><a class="brand" href="/">leadstage</a>${nav}</div>${right}</header>
${signedIn ? tabs(options, chrome) : ''}
<main>${noticeHtml(options.notice, chrome)}${body}</main>${signedIn ? confirmDialog(chrome) : ''}
${signedIn ? `<script>${CONFIRM_SCRIPT}</script>` : ''}${options.script ? `<script>${options.script}</script>` : ''}</body></html>`;
}

/** A full page carrying one message: errors on page routes, unknown pages, OAuth outcomes. */
export function renderMessagePage(
  title: string,
  message: string,
  options: { signedIn?: boolean; status?: number } = {},
): string {
  const code = options.status ? `<p class="muted">HTTP ${options.status}</p>` : '';
  return page(
    title,
    `<section class="card" data-error-page><h1>${esc(title)}</h1><p>${esc(message)}</p>${code}<p><a href="/workspaces">Back to the workspaces</a></p></section>`,
    { signedIn: options.signedIn ?? false },
  );
}
