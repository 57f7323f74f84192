/** Form building blocks every console page uses: the anti-forgery token and the POST forms carrying it. */
import type { Response } from 'express';
import { z } from 'zod';

import { ConfigError, ValidationError } from '../../errors.ts';
import { CSRF_FIELD } from '../csrf.ts';

import { type Notice, esc } from './layout.ts';

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

/**
 * What an invalid submit is told, to re-render the form with the admin's input kept: a message per
 * form field, and the ones that name no field. `fields` maps the names errors use (zod paths, the
 * "name:" a core's message starts with) to the form's field names.
 */
export interface FormProblems {
  byField: Record<string, string>;
  general: string[];
}

/**
 * The problems of an invalid submit, or undefined when `err` is not about the input (it is then
 * rethrown by the caller and answered as an error page).
 */
export function formProblems(
  err: unknown,
  fields: Record<string, string>,
  /** The form field a message names in its own words (e.g. `workspace "x" already exists`). */
  fieldOfMessage: (message: string) => string | undefined = () => undefined,
): FormProblems | undefined {
  const problems: FormProblems = { byField: {}, general: [] };
  const add = (name: string | undefined, message: string) => {
    const field = name === undefined ? undefined : fields[name];
    if (field && !problems.byField[field]) problems.byField[field] = message;
    else problems.general.push(name && !field ? `${name}: ${message}` : message);
  };
  if (err instanceof z.ZodError) {
    for (const issue of err.issues) add(issue.path.map(String).join('.') || undefined, issue.message);
    return problems;
  }
  const isModelProblem = (err as { code?: unknown } | null)?.code === 'model_invalid';
  if (
    err instanceof ValidationError ||
    err instanceof ConfigError ||
    (isModelProblem && err instanceof Error)
  ) {
    // The cores' messages start with the field they refuse ("schedule: must be …").
    const named = /^([\w.]+(?:\/[\w.]+)*): (.+)$/s.exec(err.message);
    const name = named?.[1]?.split('/').find((n) => fields[n]);
    const guessed = fieldOfMessage(err.message);
    if (named && name) add(name, named[2]!);
    else if (guessed) problems.byField[guessed] ??= err.message;
    else add(undefined, err.message);
    return problems;
  }
  return undefined;
}

/** The notice above a re-rendered form: what to fix, field messages included. */
export function problemsNotice(problems: FormProblems): Notice {
  const count = Object.keys(problems.byField).length + problems.general.length;
  const lead =
    count === 1
      ? 'This was not saved: fix the problem below.'
      : `This was not saved: fix the ${count} problems below.`;
  return { kind: 'error', text: [lead, ...problems.general].join(' ') };
}

/**
 * Attributes and message for one field of a re-rendered form: `aria-invalid` and the message tied
 * to the input with `aria-describedby`, so a screen reader reads it with the field.
 */
export function fieldProblem(
  problems: FormProblems | undefined,
  field: string,
  inputId: string,
  /** The id of the field's help text, kept in `aria-describedby` beside the message. */
  helpId?: string,
): { attrs: string; message: string } {
  const message = problems?.byField[field];
  if (!message) return { attrs: helpId ? ` aria-describedby="${esc(helpId)}"` : '', message: '' };
  return {
    attrs: ` aria-invalid="true" aria-describedby="${esc(inputId)}-error${helpId ? ` ${esc(helpId)}` : ''}"`,
    message: `<span id="${esc(inputId)}-error" class="field-error bad">${esc(message)}</span>`,
  };
}
