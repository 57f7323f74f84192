/**
 * The contact id of each email address the contact walk has seen, so email events (which name a
 * recipient address, not a contact) rarely need a batch read by email.
 *
 * Bounded: a map of every address grows with the portal (about 125 bytes an address: 125 MB at a
 * million contacts), which would break the sync's flat memory. Only the `limit` addresses seen
 * last are kept. The walk goes oldest change first (`lastmodifieddate` ascending, API-NOTES 1.3),
 * so those are the most recently modified contacts. That the recipients of the events in the
 * engagement window are among them is an assumption, not documented (API-NOTES is silent): an
 * email event updates its recipient's email engagement properties, and so, we expect, its
 * `lastmodifieddate`. Were it wrong, only the number of calls would change, never an answer: an
 * address dropped here is still resolved exactly, by the batch read, at one call per 100.
 */
export class EmailIds {
  // A Map iterates in insertion order: its first key is the one set longest ago.
  private readonly ids = new Map<string, string>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get(email: string): string | undefined {
    return this.ids.get(email);
  }

  has(email: string): boolean {
    return this.ids.has(email);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Remembers `email` as the newest address, forgetting the oldest one past the limit. */
  set(email: string, contactId: string): void {
    // Deleted first so that an address seen again moves to the newest end.
    this.ids.delete(email);
    this.ids.set(email, contactId);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.keys().next().value!);
  }
}
