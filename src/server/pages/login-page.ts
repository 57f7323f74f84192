/** The sign-in form: the admin token, posted once, exchanged for an HttpOnly session cookie. */
import { esc, page } from './layout.ts';

export function renderLoginPage(next: string, failed: boolean): string {
  const safeNext = next.startsWith('/') && !next.startsWith('//') ? next : '/';
  return page(
    'Sign in',
    `<section class="ws" style="max-width:28rem;margin:3rem auto">
<h1>Sign in</h1>
${failed ? '<p class="notice error" role="alert">That token is not the admin token.</p>' : ''}
<form method="post" action="/login">
<input type="hidden" name="next" value="${esc(safeNext)}">
<p><label>Admin token<br><input type="password" name="token" autocomplete="current-password" required autofocus></label></p>
<p><button class="primary" type="submit">Sign in</button></p>
</form>
<p class="muted">The token is the server's <code>ADMIN_TOKEN</code>.</p>
</section>`,
  );
}
