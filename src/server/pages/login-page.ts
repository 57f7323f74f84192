import { esc, layout } from './html.ts';

export function renderLoginPage(next: string, failed: boolean): string {
  return layout(
    'Sign in',
    `<div class="card"><h1>Sign in</h1>
${failed ? '<p class="bad">That admin token is not right.</p>' : ''}
<form method="post" action="/login">
<input type="hidden" name="next" value="${esc(next)}">
<label>Admin token <input type="password" name="token" autocomplete="current-password" required></label>
<input type="submit" value="Sign in">
</form></div>`,
  );
}
