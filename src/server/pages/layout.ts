/** The HTML shell every page shares, and escaping for everything interpolated into it. */
export function esc(value: string | number | boolean | null | undefined): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
header{background:#1d2433;color:#fff;padding:.7rem 1.5rem;display:flex;justify-content:space-between;align-items:center}
header a{color:#cfd6e4}
main{max-width:1000px;margin:1.5rem auto;padding:0 1rem}
section.ws{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:1rem 1.25rem;margin-bottom:1.5rem}
h1,h2,h3{margin:.2rem 0 .6rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eef0f3;font-size:14px}
.ok{color:#137333}.bad{color:#b3261e}.muted{color:#6b7280}
.notice{padding:.6rem 1rem;border-radius:6px;margin-bottom:1rem;background:#e8f3ec;border:1px solid #b7dfc4}
.notice.error{background:#fdecea;border-color:#f5c2bd}
form.inline{display:inline-block;margin:.2rem .4rem .2rem 0}
button{font:inherit;padding:.3rem .8rem;border-radius:5px;border:1px solid #8a94a6;background:#fff;cursor:pointer}
button.primary{background:#2458d3;color:#fff;border-color:#2458d3}
input[type=url],input[type=password],input[type=text]{font:inherit;padding:.3rem .5rem;border:1px solid #8a94a6;border-radius:5px;min-width:18rem}
code{background:#eef0f3;padding:0 .25rem;border-radius:3px}
`;

export function page(
  title: string,
  body: string,
  options: { signedIn?: boolean; script?: string } = {},
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,"><title>${esc(title)} · leadstage</title><style>${STYLE}</style></head>
<body><header><strong>leadstage</strong>${options.signedIn ? '<form class="inline" method="post" action="/logout"><button type="submit">Sign out</button></form>' : ''}</header>
<main>${body}</main>${options.script ? `<script>${options.script}</script>` : ''}</body></html>`;
}
