/**
 * How long a sandbox takes to answer one page at a large account: HubSpot contact search (first
 * page, a middle page, the first page after a write), Salesforce SOQL on Lead (first page,
 * nextRecordsUrl pages, a keyset page with LIMIT, a keyset page after a write), Mautic's contact
 * list (first page, a middle page, the first page after a write). Over HTTP, as a sync reads them.
 * Prints figures, asserts nothing.
 *
 *   npm run bench:sandbox -- [--contacts 1000000] [--samples 15] [--only hubspot,salesforce,mautic]
 *
 * Each sandbox holds `--contacts` contacts (HubSpot and Mautic seeded by connectors/sandbox-data.ts
 * when created; Salesforce filled with as many Leads through `enterRecord`, as a hand-off would
 * leave them). Peak RSS is the whole process's: all sandboxes at once unless `--only` says.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { startSandboxServer } from '../../src/sandbox/server.ts';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    samples: { type: 'string', default: '15' },
    only: { type: 'string', default: 'hubspot,salesforce,mautic' },
  },
});
const contacts = Number(values.contacts);
const samples = Number(values.samples);
const only = new Set(values.only.split(','));

let peakRss = process.memoryUsage().rss;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const rssTimer = setInterval(sampleRss, 50);

const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function report(label: string, ms: number[]): void {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  console.log(
    `${label.padEnd(50)} median ${at(0.5).toFixed(1).padStart(8)} ms   p95 ${at(0.95).toFixed(1).padStart(8)} ms   (n=${ms.length}, load ${load()})`,
  );
}

/** Times `n` runs of `page` (each given its run number), after `before` runs untimed. */
async function time(n: number, page: (i: number) => Promise<unknown>, before?: (i: number) => void) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    before?.(i);
    const start = performance.now();
    await page(i);
    out.push(performance.now() - start);
    sampleRss();
  }
  return out;
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const seedStart = performance.now();
const server = await startSandboxServer({
  port: 0,
  contacts: only.has('hubspot') || only.has('mautic') ? contacts : 0,
  seed: 7,
});
console.log(
  `sandbox-pages: ${contacts} contacts, ${samples} samples per figure; HubSpot/Mautic seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
);

if (only.has('hubspot')) {
  // The page's own cost, not HubSpot's rate limits (5 searches a second, 100 calls per 10 s).
  server.hubspot.setLimits({ searchPerSecond: 1e9, oauthMax: 1e9, privateAppMax: 1e9, daily: 1e12 });
  const token = server.hubspot.issueTokens().accessToken;
  const search = (after: number) =>
    fetch(`${server.url}/hubspot/crm/v3/objects/contacts/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      // What the connector's date walk sends (connectors/hubspot/search.ts `walkByDate`).
      body: JSON.stringify({
        filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: '0' }] }],
        sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
        properties: ['email', 'firstname', 'lastname', 'lastmodifieddate', 'hs_object_id'],
        limit: 200,
        ...(after ? { after: String(after) } : {}),
      }),
    }).then((r) => json<{ total: number; results: { id: string }[] }>(r));
  const first = await search(0);
  report('hubspot search: first page', await time(samples, () => search(0)));
  report('hubspot search: middle page (after=5000)', await time(samples, () => search(5000)));
  const ids = first.results.map((r) => r.id);
  report(
    'hubspot search: first page after a write',
    await time(
      samples,
      () => search(0),
      (i) => server.hubspot.updateContact(ids[i % ids.length]!, { firstname: `Bench ${i}` }),
    ),
  );
}

if (only.has('salesforce')) {
  const sf = server.salesforce;
  const fillStart = performance.now();
  const leadIds: string[] = [];
  for (let i = 0; i < contacts; i++) {
    leadIds.push(
      sf.enterRecord('Lead', {
        LastName: `Lead ${i}`,
        Company: `Company ${i % 5000}`,
        Email: `lead${i}@example.com`,
        Leadstage_External_Id__c: `hubspot:${i}`,
      }),
    );
    if (i % 50_000 === 0) sampleRss();
  }
  console.log(
    `salesforce: ${contacts} Leads entered in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`,
  );
  const token = sf.oauth.issueTokens().access_token;
  const get = <T>(path: string) =>
    fetch(`${server.salesforceUrl}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
      json<T>(r),
    );
  type QueryPage = { totalSize: number; done: boolean; nextRecordsUrl?: string; records: unknown[] };
  const fields = 'Id, Email, LastName, Company, Leadstage_External_Id__c, LastModifiedDate';
  const soql = (q: string) => get<QueryPage>(`/services/data/v62.0/query?q=${encodeURIComponent(q)}`);
  const all = `SELECT ${fields} FROM Lead ORDER BY LastModifiedDate, Id`;
  // Fewer first pages than other figures: each leaves a locator holding the whole result.
  const firsts = Math.min(samples, 5);
  report('salesforce SOQL: first page (whole object)', await time(firsts, () => soql(all)));
  let next = (await soql(all)).nextRecordsUrl;
  report(
    'salesforce SOQL: nextRecordsUrl pages',
    await time(samples, async () => {
      if (!next) return;
      next = (await get<QueryPage>(next)).nextRecordsUrl;
    }),
  );
  // The connector's keyset page (connectors/salesforce/outcomes.ts): from the middle of the object.
  const keyset = (afterMs: number) =>
    soql(
      `SELECT ${fields} FROM Lead WHERE LastModifiedDate > ${new Date(afterMs).toISOString()} ORDER BY LastModifiedDate, Id LIMIT 2000`,
    );
  const middle = Date.parse(
    String(sf.sales.record('Lead', leadIds[Math.floor(contacts / 2)]!)?.LastModifiedDate),
  );
  report('salesforce SOQL: keyset page, LIMIT 2000, middle', await time(samples, () => keyset(middle)));
  report(
    'salesforce SOQL: keyset page after a write',
    await time(
      samples,
      () => keyset(middle),
      (i) => sf.editRecord('Lead', leadIds[i]!, { Title: `Bench ${i}` }),
    ),
  );
}

if (only.has('mautic')) {
  const auth = `Bearer ${server.mautic.issueTokens().accessToken}`;
  // What the connector's contact stream sends (connectors/mautic/contacts-stream.ts): identified
  // contacts after an id, by id.
  const list = (afterId: number) =>
    fetch(
      `${server.url}/mautic/api/contacts?search=${encodeURIComponent('!is:anonymous')}&start=0&limit=200&orderBy=id&orderByDir=asc` +
        `&where%5B0%5D%5Bcol%5D=id&where%5B0%5D%5Bexpr%5D=gt&where%5B0%5D%5Bval%5D=${afterId}`,
      { headers: { authorization: auth } },
    ).then((r) => json<{ total: string; contacts: Record<string, unknown> }>(r));
  report('mautic contacts: first page', await time(samples, () => list(0)));
  report(
    'mautic contacts: keyset pages through the middle',
    await time(samples, (i) => list(Math.floor(contacts / 2) + i * 200)),
  );
  report(
    'mautic contacts: first page after a write',
    await time(
      samples,
      () => list(0),
      (i) => server.mautic.updateContact(1 + i, { firstname: `Bench ${i}` }),
    ),
  );
}

clearInterval(rssTimer);
sampleRss();
console.log(`peak RSS ${mb(peakRss)} (load ${load()})`);
await server.close();
