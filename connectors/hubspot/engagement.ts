/**
 * Engagement readers, each yielding pages of canonical events with ids that stay the same on every
 * pull of the same vendor event.
 */
import { z } from 'zod';

import type { EngagementEvent, Properties } from '../../src/model.ts';
import type { HubspotApi } from './api.ts';

/** The email events API returns at most 1000 events per page. */
export const EMAIL_EVENTS_PAGE_SIZE = 1000;
/** Web analytics events per page. */
export const WEB_EVENTS_PAGE_SIZE = 100;
export const EMAIL_EVENTS_ENDPOINT = 'GET /email/public/v1/events';
export const WEB_EVENTS_ENDPOINT = 'GET /events/v3/events';

const emailEventsSchema = z.object({
  hasMore: z.boolean(),
  offset: z.string().optional(),
  events: z.array(
    z.looseObject({
      id: z.string(),
      created: z.number(),
      type: z.string(),
      recipient: z.string().optional(),
      emailCampaignId: z.number().optional(),
      subject: z.string().optional(),
      url: z.string().optional(),
    }),
  ),
});

export async function* readEmailEvents(
  api: HubspotApi,
  options: {
    hubspotType: string;
    type: string;
    fromMs: number;
    toMs: number;
    resolveEmails: (emails: string[]) => Promise<Map<string, string>>;
  },
): AsyncGenerator<EngagementEvent[]> {
  let offset: string | undefined;
  for (;;) {
    const qs: Record<string, string> = {
      eventType: options.hubspotType,
      startTimestamp: String(options.fromMs),
      endTimestamp: String(options.toMs),
      limit: String(EMAIL_EVENTS_PAGE_SIZE),
      excludeFilteredEvents: 'true',
      ...(offset ? { offset } : {}),
    };
    const res = await api.raw<unknown>(EMAIL_EVENTS_ENDPOINT, 'api', {
      method: 'GET',
      path: '/email/public/v1/events',
      qs,
    });
    const parsed = emailEventsSchema.safeParse(res.data);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
      throw new Error(`HubSpot email events response is malformed at ${where}`);
    }
    const page = parsed.data;
    const recipients = page.events.flatMap((e) => (e.recipient ? [e.recipient] : []));
    const ids = await options.resolveEmails(recipients);
    const events: EngagementEvent[] = [];
    for (const e of page.events) {
      const contactId = e.recipient ? ids.get(e.recipient) : undefined;
      if (!contactId) continue;
      const properties: Properties = {};
      if (e.subject) properties.emailName = e.subject;
      if (e.emailCampaignId !== undefined) properties.campaignId = String(e.emailCampaignId);
      if (e.url) properties.url = e.url;
      events.push({
        id: `hubspot:email:${e.created}:${e.id}`,
        contactId,
        type: options.type,
        at: new Date(e.created).toISOString(),
        properties,
      });
    }
    yield events;
    if (!page.hasMore || !page.offset) return;
    offset = page.offset;
  }
}

/** Web analytics property names -> the canonical names the generator and models use. */
const WEB_PROPERTY_NAMES: Record<string, string> = {
  hs_url: 'url',
  hs_page_title: 'title',
  hs_title: 'title',
  hs_form_title: 'formName',
  hs_form_id: 'formId',
};

interface WebEventsPage {
  results: {
    id: string;
    eventType: string;
    objectId: string;
    occurredAt: Date | string;
    properties?: Record<string, string>;
  }[];
  paging?: { next?: { after: string } };
}

export async function* readWebEvents(
  api: HubspotApi,
  options: { eventType: string; type: string; fromMs: number; toMs: number },
): AsyncGenerator<EngagementEvent[]> {
  let after: string | undefined;
  for (;;) {
    const res = await api.sdk<WebEventsPage>(WEB_EVENTS_ENDPOINT, 'api', (client) =>
      client.events.eventsApi.getPageWithHttpInfo(
        'contact',
        options.eventType,
        after,
        undefined,
        WEB_EVENTS_PAGE_SIZE,
        ['occurredAt'],
        new Date(options.fromMs),
        new Date(options.toMs),
      ),
    );
    const events = res.data.results.map((e): EngagementEvent => {
      const properties: Properties = {};
      for (const [k, v] of Object.entries(e.properties ?? {})) properties[WEB_PROPERTY_NAMES[k] ?? k] = v;
      return {
        id: `hubspot:web:${e.eventType}:${e.id}`,
        contactId: String(e.objectId),
        type: options.type,
        at: new Date(e.occurredAt).toISOString(),
        properties,
      };
    });
    yield events;
    after = res.data.paging?.next?.after;
    if (!after) return;
  }
}
