/** Shared pieces for the Salesforce tests: an in-memory credential store, a context, records. */
import type {
  SalesforceSandbox,
  SalesforceSandboxOptions,
} from '../../../connectors/salesforce/sandbox/index.ts';
import type { ConnectorContext, Credentials, CredentialStore } from '../../../src/pipeline/ports.ts';
import { MemoryRateLimiter } from '../../../src/http/rate-limiter.ts';
import { silentLogger } from '../../../src/log.ts';
import type { HandoffRecord } from '../../../src/model.ts';
import { listenSalesforceSandbox } from '../../../src/sandbox/listener.ts';

export class MemoryCredentials implements CredentialStore {
  saves = 0;
  needsReconnect: string | null = null;
  current: Credentials;
  constructor(current: Credentials) {
    this.current = current;
  }
  read(): Promise<Credentials> {
    return Promise.resolve(this.current);
  }
  async refresh(refresh: (current: Credentials) => Promise<Credentials>): Promise<Credentials> {
    const next = await refresh(this.current);
    if (next !== this.current) this.saves++;
    this.current = next;
    return next;
  }
  markNeedsReconnect(reason: string): Promise<void> {
    this.needsReconnect = reason;
    return Promise.resolve();
  }
}

export function testContext(
  credentials: Credentials,
  baseUrl: string,
  config: Record<string, unknown> = {},
): ConnectorContext & {
  credentials: MemoryCredentials;
  counted: Record<string, number>;
  budgets: { remaining: number; limit: number }[];
} {
  const counted: Record<string, number> = {};
  const budgets: { remaining: number; limit: number }[] = [];
  return {
    connection: { id: 'conn-sf-1', vendor: 'salesforce', baseUrl, config },
    credentials: new MemoryCredentials(credentials),
    limiter: new MemoryRateLimiter(),
    calls: {
      count: (_vendor, endpoint, n = 1) => {
        counted[endpoint] = (counted[endpoint] ?? 0) + n;
      },
      budget: (_vendor, remaining, limit) => void budgets.push({ remaining, limit }),
    },
    log: silentLogger,
    counted,
    budgets,
  };
}

export function handoffRecord(id: string, overrides: Partial<HandoffRecord> = {}): HandoffRecord {
  return {
    sourceSystem: 'hubspot',
    sourceContactId: id,
    externalId: `hubspot:${id}`,
    properties: {
      email: `Person.${id}@Example.com `,
      firstname: 'Ada',
      lastname: `Person ${id}`,
      company: 'Northwind Labs',
      jobtitle: 'Head of Marketing',
      industry: 'Software',
      numemployees: '250',
    },
    stage: 'sql',
    scores: { contact: 25, activity: 30, engagement: 10, total: 65 },
    summary: 'SQL: meeting booked, budget approved; contact 25, activity 30, engagement 10',
    ...overrides,
  };
}

export interface RunningSandbox {
  sandbox: SalesforceSandbox;
  url: string;
  close(): Promise<void>;
}

/**
 * The sandbox on a real port (0: any free one), at the host root like every Salesforce instance:
 * resources at /services/data/vXX.X/…, instance_url a bare origin (REST API Developer Guide).
 */
export async function startSandbox(options: Partial<SalesforceSandboxOptions> = {}): Promise<RunningSandbox> {
  const { sandbox, url, close } = await listenSalesforceSandbox({
    seed: 1,
    contacts: 0,
    ...options,
    port: 0,
  });
  return { sandbox, url, close };
}

/** OAuth credentials as the connect flow would have stored them. */
export function sandboxCredentials(sandbox: SalesforceSandbox): Credentials {
  const t = sandbox.oauth.issueTokens();
  return {
    kind: 'oauth2',
    accessToken: t.access_token,
    ...(t.refresh_token ? { refreshToken: t.refresh_token } : {}),
    instanceUrl: t.instance_url,
  };
}

export async function collectPages<T>(
  pages: AsyncIterable<{ records: T[]; cursor: Record<string, unknown> }>,
) {
  const records: T[] = [];
  let cursor: Record<string, unknown> | null = null;
  let count = 0;
  for await (const page of pages) {
    records.push(...page.records);
    cursor = page.cursor;
    count++;
  }
  return { records, cursor, pages: count };
}
