/**
 * What an admin reads when a server cannot be reached: which URL was tried and the network's own
 * reason, never a credential (URLs lose their user, password, query and fragment).
 */

/** A URL as errors and logs may show it. */
export function urlForMessage(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(an unparseable URL)';
  }
}

/** `fetch failed (ECONNREFUSED)`: fetch and axios hide the socket's code in `cause` or `code`. */
function networkReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const ownCode = (err as { code?: unknown } | null)?.code;
  const causeCode = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  const code = typeof causeCode === 'string' ? causeCode : typeof ownCode === 'string' ? ownCode : '';
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** `HubSpot GET /x unreachable at http://127.0.0.1:4010/hubspot: fetch failed (ECONNREFUSED)` */
export function unreachableMessage(what: string, url: string, err: unknown): string {
  return `${what} unreachable at ${urlForMessage(url)}: ${networkReason(err)}`;
}
