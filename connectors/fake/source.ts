/**
 * An in-memory marketing system (HubSpot/Mautic stand-in) and its SourceConnector, for pipeline tests.
 * Writes bump `updatedAt` like a real vendor does, so written contacts come back on the next pull.
 */
import type {
  Contact,
  EngagementEvent,
  Properties,
  StageChange,
  Vendor,
  WriteResult,
} from '../../src/model.ts';
import type {
  ConnectorContext,
  Cursor,
  Page,
  SchemaSpec,
  SourceConnector,
  SourceConnectorDefinition,
} from '../../src/pipeline/ports.ts';

import { FailureInjector } from './failures.ts';
import { networkTurn } from './network.ts';
import { fakeOAuth } from './oauth.ts';

export class FakeSourceSystem {
  readonly contacts = new Map<string, Contact>();
  readonly events: EngagementEvent[] = [];
  /** Every change the system accepted, in order. */
  readonly writes: StageChange[] = [];
  readonly schemas: SchemaSpec[] = [];
  readonly failures = new FailureInjector();
  pageSize = 2;
  /** Ids of contacts that fetchContacts returned, in order (webhook re-qualification tests). */
  readonly fetched: string[] = [];

  clock: () => Date;

  constructor(clock: () => Date = () => new Date()) {
    this.clock = clock;
  }

  setContact(
    id: string,
    properties: Properties,
    options: { stage?: string; updatedAt?: string } = {},
  ): Contact {
    const contact: Contact = {
      id,
      properties,
      updatedAt: options.updatedAt ?? this.clock().toISOString(),
      ...(options.stage ? { stage: options.stage } : {}),
    };
    this.contacts.set(id, contact);
    return contact;
  }

  addEvent(event: Omit<EngagementEvent, 'properties'> & { properties?: Properties }): void {
    this.events.push({ properties: {}, ...event });
  }

  stageOf(id: string): string | undefined {
    return this.contacts.get(id)?.stage;
  }
}

function pages<T>(records: T[], size: number, cursorOf: (last: T) => Cursor): Page<T>[] {
  const out: Page<T>[] = [];
  for (let i = 0; i < records.length; i += size) {
    const chunk = records.slice(i, i + size);
    out.push({ records: chunk, cursor: cursorOf(chunk[chunk.length - 1]!) });
  }
  return out;
}

const since = (cursor: Cursor | null, key: string): string => {
  const value = cursor?.[key];
  return typeof value === 'string' ? value : '';
};

export function createFakeSource(
  system: FakeSourceSystem,
  ctx: ConnectorContext,
  vendor: Vendor,
): SourceConnector {
  const count = (endpoint: string) => ctx.calls.count(vendor, endpoint);
  return {
    vendor,
    async *pullContacts(cursor) {
      system.failures.enter('pullContacts');
      const from = since(cursor, 'updatedAfter');
      const changed = [...system.contacts.values()]
        .filter((c) => c.updatedAt >= from)
        .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id.localeCompare(b.id));
      if (changed.length === 0) count('contacts.search');
      for (const [i, page] of pages(changed, system.pageSize, (last) => ({
        updatedAfter: last.updatedAt,
      })).entries()) {
        system.failures.beforePage('pullContacts', i + 1);
        count('contacts.search');
        await networkTurn();
        // Like a vendor search, every page tells how many contacts the whole query matches.
        yield { ...structuredClone(page), total: changed.length };
      }
      system.failures.leave('pullContacts');
    },
    async *pullEngagement(cursor) {
      system.failures.enter('pullEngagement');
      const from = since(cursor, 'occurredAfter');
      const recent = system.events
        .filter((e) => e.at >= from)
        .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
      if (recent.length === 0) count('events.list');
      for (const [i, page] of pages(recent, system.pageSize * 2, (last) => ({
        occurredAfter: last.at,
      })).entries()) {
        system.failures.beforePage('pullEngagement', i + 1);
        count('events.list');
        await networkTurn();
        yield structuredClone(page);
      }
      system.failures.leave('pullEngagement');
    },
    fetchContacts(ids) {
      system.failures.enter('fetchContacts');
      count('contacts.batchRead');
      system.fetched.push(...ids);
      const found = ids.flatMap((id) => {
        const c = system.contacts.get(id);
        return c ? [structuredClone(c)] : [];
      });
      system.failures.leave('fetchContacts');
      return Promise.resolve(found);
    },
    writeBack(changes) {
      system.failures.enter('writeBack');
      count('contacts.batchUpdate');
      const result: WriteResult = { ok: [], failed: [] };
      for (const change of changes) {
        const contact = system.contacts.get(change.contactId);
        const rejection = system.failures.rejection(change.contactId);
        if (rejection) {
          result.failed.push(rejection);
        } else if (!contact) {
          result.failed.push({
            id: change.contactId,
            code: 'OBJECT_NOT_FOUND',
            message: 'no such contact',
            retryable: false,
          });
        } else {
          contact.stage = change.stage;
          contact.updatedAt = system.clock().toISOString();
          system.writes.push(structuredClone(change));
          result.ok.push(change.contactId);
        }
      }
      system.failures.leave('writeBack');
      return Promise.resolve(result);
    },
    ensureSchema(spec) {
      count('properties.create');
      if (!spec.learnOnly) system.schemas.push(spec);
      return Promise.resolve();
    },
  };
}

export function fakeSourceDefinition(
  system: FakeSourceSystem,
  vendor: Vendor = 'hubspot',
): SourceConnectorDefinition {
  return {
    vendor,
    kind: 'source',
    defaultBaseUrl: 'http://fake-source.invalid',
    scopes: [],
    oauth: fakeOAuth,
    create: (ctx) => createFakeSource(system, ctx, vendor),
  };
}
