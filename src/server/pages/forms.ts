/** Form building blocks every console page uses: the anti-forgery token and the POST forms carrying it. */
import type { Response } from 'express';

import { CSRF_FIELD } from '../csrf.ts';

import { esc } from './layout.ts';

/** The anti-forgery token the app's CSRF middleware offers the page being rendered. */
export function csrfTokenOf(res: Response): string {
  const token = (res.locals as { csrfToken?: () => string }).csrfToken;
  return token ? token() : '';
}

/** A POST form carrying the anti-forgery token the server checks; `inner` is trusted HTML. */
export function postForm(action: string, csrf: string, inner: string, attrs = ''): string {
  return `<form class="inline" method="post" action="${esc(action)}"${attrs}><input type="hidden" name="${CSRF_FIELD}" value="${esc(csrf)}">${inner}</form>`;
}

/**
 * A destructive action: a red button whose form asks in the layout's dialog before it posts.
 * `question` says what goes ("Delete acme? Its tokens are revoked…"); `hidden` adds form fields.
 */
export function confirmForm(
  action: string,
  csrf: string,
  options: { label: string; question: string; confirmLabel?: string; hidden?: Record<string, string> },
): string {
  const hidden = Object.entries(options.hidden ?? {})
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  return postForm(
    action,
    csrf,
    `${hidden}<button type="submit" class="danger">${esc(options.label)}</button>`,
    ` data-confirm="${esc(options.question)}" data-confirm-label="${esc(options.confirmLabel ?? options.label)}"`,
  );
}
