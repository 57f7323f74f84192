/**
 * The notice an admin reads on the page a connect or disconnect lands on (the dashboard or the
 * workspace overview), from the query those redirects carry.
 */
import { z } from 'zod';

import { NOT_REVOKED_REASONS } from '../connect.ts';
import { CONNECTABLE_VENDORS, VENDOR_LABELS } from '../vendors.ts';

import type { Notice } from './layout.ts';

const noticeQuery = z.object({
  connected: z.enum(CONNECTABLE_VENDORS).optional(),
  disconnected: z.enum(CONNECTABLE_VENDORS).optional(),
  revoked: z.enum(['0', '1']).optional(),
  replaced: z.enum(['1']).optional(),
  why: z.enum(NOT_REVOKED_REASONS).optional(),
  synced: z.string().optional(),
});

/** Notices are built from validated values only, never echoed text. */
export function connectionNotice(query: unknown): Notice | undefined {
  const q = noticeQuery.safeParse(query);
  if (!q.success) return undefined;
  const vendor = q.data.connected ?? q.data.disconnected;
  if (!vendor) return q.data.synced !== undefined ? { kind: 'ok', text: 'Sync queued.' } : undefined;
  const name = VENDOR_LABELS[vendor];
  const revoked = q.data.revoked === '1' ? ' and its tokens revoked' : '';
  const why = {
    no_revoke: ` ${name} cannot revoke tokens: delete leadstage's API credentials in ${name} as well.`,
    revoke_failed: ` Revoking the tokens failed (see the server log): revoke leadstage's access in ${name}.`,
    shared: ' Another workspace still uses this connection, so its tokens were kept.',
  };
  const retired = `${revoked}.${q.data.why ? why[q.data.why] : ''}`;
  const kind = q.data.why === 'revoke_failed' ? 'error' : 'ok';
  if (q.data.connected) {
    const replaced = q.data.replaced ? ` The ${name} account it replaced was disconnected${retired}` : '';
    return { kind, text: `${name} connected.${replaced}` };
  }
  return { kind, text: `${name} disconnected${retired}` };
}
