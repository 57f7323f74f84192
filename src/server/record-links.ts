/**
 * Where a record opens in its vendor's own UI. The URL shapes are the vendors' documented record
 * pages: HubSpot `app.hubspot.com/contacts/{portalId}/record/0-1/{id}` (the object type id 0-1 is
 * contacts), Mautic `{instance}/s/contacts/view/{id}`, Salesforce Lightning
 * `{instance}/lightning/r/{Object}/{Id}/view`. Against a sandbox the HubSpot link still points at
 * app.hubspot.com, which the sandbox does not serve.
 */
import type { Connection } from '../store/index.ts';

const SAFE = /^[A-Za-z0-9_.:-]{1,200}$/;

export function recordUrl(
  vendor: string,
  connection: Pick<Connection, 'accountId' | 'baseUrl'> | null,
  recordId: string,
  object = 'Contact',
): string | null {
  if (!SAFE.test(recordId)) return null;
  const id = encodeURIComponent(recordId);
  switch (vendor) {
    case 'hubspot':
      return connection?.accountId && SAFE.test(connection.accountId)
        ? `https://app.hubspot.com/contacts/${encodeURIComponent(connection.accountId)}/record/0-1/${id}`
        : null;
    case 'mautic':
      return connection ? `${connection.baseUrl.replace(/\/+$/, '')}/s/contacts/view/${id}` : null;
    case 'salesforce':
      return connection && SAFE.test(object)
        ? `${connection.baseUrl.replace(/\/+$/, '')}/lightning/r/${encodeURIComponent(object)}/${id}/view`
        : null;
    default:
      return null;
  }
}
