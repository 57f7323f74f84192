/**
 * After a model or mapping change, the quarantined causes it may have fixed, each with the command
 * that releases them (`releaseOffers` in src/pipeline/quarantine.ts).
 */
import type { ReleaseOffer } from '../pipeline/quarantine.ts';

export function printReleaseOffers(out: (line: string) => void, offers: ReleaseOffer[]): void {
  for (const offer of offers) {
    out(`${offer.quarantined} record(s) quarantined on ${offer.step} ${offer.code}; if fixed now:`);
    out(`  ${offer.command}`);
  }
}
