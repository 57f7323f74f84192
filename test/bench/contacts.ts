/** Synthetic contacts for the benchmark: the sandboxes' people with their raw events. */
import { generateActivities, generatePeople } from '../../connectors/sandbox-data.ts';
import type { ContactInput } from '../../src/model.ts';

export const BENCH_NOW = new Date('2026-11-01T00:00:00Z');

export function benchContacts(count: number, seed = 7): ContactInput[] {
  const nowMs = BENCH_NOW.getTime();
  const people = generatePeople(seed, count, nowMs);
  const contacts: ContactInput[] = people.map((p, i) => ({
    id: String(i + 1),
    properties: {
      email: p.email,
      jobtitle: p.jobtitle,
      employees: String(p.employees),
      industry: p.industry,
      country: p.country,
    },
    events: [],
  }));
  for (const a of generateActivities(seed, people, nowMs)) {
    contacts[a.personKey]!.events.push({ type: a.type, at: a.at, properties: a.properties });
  }
  return contacts;
}
