/**
 * What a model reads from a contact: each property and event type, with where it is used. The doctor
 * (src/mappings/doctor.ts) checks every one against the mappings; a stage whose `requires` reads a
 * fact nothing supplies may never be reached. Named conditions (`is:`) are followed once each.
 */
import type { Condition, ModelFile } from './schema.ts';

/** Where a property or event is read: `stage:KEY` (its requires), `scoring:ID` or `recycle:ID`. */
export type ReadSite = `stage:${string}` | `scoring:${string}` | `recycle:${string}`;

export interface ModelReads {
  /** Property → the places that read it, in model order. */
  properties: Map<string, ReadSite[]>;
  /** Canonical event type → the places that read it. */
  events: Map<string, ReadSite[]>;
}

export function modelReads(model: ModelFile): ModelReads {
  const reads: ModelReads = { properties: new Map(), events: new Map() };
  const add = (map: Map<string, ReadSite[]>, key: string, site: ReadSite) => {
    const sites = map.get(key) ?? [];
    if (!sites.includes(site)) sites.push(site);
    map.set(key, sites);
  };
  const visit = (c: Condition | undefined, site: ReadSite, seen: Set<string>): void => {
    if (!c) return;
    if ('property' in c) add(reads.properties, c.property, site);
    else if ('event' in c) {
      for (const t of Array.isArray(c.event) ? c.event : [c.event]) add(reads.events, t, site);
    } else if ('all' in c) c.all.forEach((x) => visit(x, site, seen));
    else if ('any' in c) c.any.forEach((x) => visit(x, site, seen));
    else if ('not' in c) visit(c.not, site, seen);
    else if ('is' in c && !seen.has(c.is)) {
      // The parser refuses cycles; `seen` only keeps a condition used twice from being walked twice.
      visit(model.conditions[c.is], site, new Set([...seen, c.is]));
    }
  };
  for (const s of model.stages) visit(s.requires, `stage:${s.key}`, new Set());
  for (const r of model.scoring) visit(r.when, `scoring:${r.id}`, new Set());
  for (const r of model.recycle) visit(r.when, `recycle:${r.id}`, new Set());
  return reads;
}
