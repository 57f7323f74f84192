/** Escapes text for HTML; every value that reaches a page goes through it. */
export function esc(value: string | number | boolean | null | undefined): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · leadstage</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7fb}
header{background:#1d2433;color:#fff;padding:12px 24px}header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:1000px;margin:24px auto;padding:0 24px}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;padding:16px 20px;margin-bottom:16px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px 8px;border-bottom:1px solid #e5e7ef}
.muted{color:#6b7280}.bad{color:#b42318}.ok{color:#067647}
button,input[type=submit]{background:#3b5bdb;color:#fff;border:0;border-radius:6px;padding:8px 14px;cursor:pointer}
progress{width:100%}
</style></head>
<body><header><a href="/">leadstage</a></header><main>${body}</main></body></html>`;
}
