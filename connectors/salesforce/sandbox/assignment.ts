/**
 * Who owns a record in the sandbox org: its users and queues, and Lead assignment rules driven by
 * the `Sforce-Auto-Assign` header (REST) or a Bulk 2.0 job's `assignmentRuleId`, as Salesforce
 * documents them: without the header REST applies the active rule to Leads it creates *and*
 * updates; FALSE applies none; a rule id applies that rule (active or not) to created Leads only.
 * A record created without an owner belongs to the user the API session runs as.
 * @see https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_autoassign.htm
 *
 * Guesses (the sandbox's own, not Salesforce's): the org's users, queues and rules are fixed here;
 * a rule's entries compare Country case-insensitively and the first matching entry wins; a Lead no
 * entry matches goes to the default lead owner, which is the integration user here (an org sets it
 * in Lead Settings).
 */
import { KEY_PREFIX, to18 } from './ids.ts';
import { USER_ID } from './oauth.ts';
import type { SfRecord } from './org.ts';

const id = (prefix: string, tail: string) => to18(`${prefix}5g0000${tail}`);

/** Sales reps and SDRs of the sandbox org (User ids). */
export const SANDBOX_USERS = {
  integration: USER_ID,
  ava: id(KEY_PREFIX.User, 'Rep001'),
  ben: id(KEY_PREFIX.User, 'Rep002'),
  cleo: id(KEY_PREFIX.User, 'Rep003'),
  dan: id(KEY_PREFIX.User, 'Rep004'),
} as const;

/** Lead queues (Group ids, Type = Queue). Queues may own Leads, not Contacts. */
export const SANDBOX_QUEUES = {
  emea: id(KEY_PREFIX.Queue, 'Que001'),
  americas: id(KEY_PREFIX.Queue, 'Que002'),
} as const;

export interface AssignmentRule {
  id: string;
  name: string;
  active: boolean;
  entries: { country: string[]; ownerId: string }[];
}

/** The active rule routes by country; the inactive one (runnable by id) sends every Lead to Americas. */
export function defaultAssignmentRules(): AssignmentRule[] {
  return [
    {
      id: id(KEY_PREFIX.AssignmentRule, 'Rul001'),
      name: 'Leads by country',
      active: true,
      entries: [
        {
          country: ['France', 'Germany', 'United Kingdom', 'Spain', 'Netherlands'],
          ownerId: SANDBOX_QUEUES.emea,
        },
        { country: ['United States', 'Canada', 'Brazil'], ownerId: SANDBOX_QUEUES.americas },
      ],
    },
    {
      id: id(KEY_PREFIX.AssignmentRule, 'Rul002'),
      name: 'Everything to Americas',
      active: false,
      entries: [{ country: [], ownerId: SANDBOX_QUEUES.americas }],
    },
  ];
}

/** What the request asked for: the header's value, or a Bulk job's rule. */
export type AutoAssign = { kind: 'active' } | { kind: 'none' } | { kind: 'rule'; id: string };

/** `Sforce-Auto-Assign`: absent or TRUE → the active rule; FALSE → none; otherwise a rule id. */
export function parseAutoAssign(header: string | undefined): AutoAssign {
  const value = (header ?? '').trim();
  if (!value || value.toUpperCase() === 'TRUE') return { kind: 'active' };
  if (value.toUpperCase() === 'FALSE') return { kind: 'none' };
  return { kind: 'rule', id: value };
}

export function isUser(ownerId: string): boolean {
  return Object.values(SANDBOX_USERS).some((u) => u === ownerId || u.startsWith(ownerId));
}

export function isQueue(ownerId: string): boolean {
  return Object.values(SANDBOX_QUEUES).some((q) => q === ownerId || q.startsWith(ownerId));
}

/** The owner a rule gives this Lead (the default lead owner when no entry matches). */
export function ownerByRule(rule: AssignmentRule, lead: SfRecord): string {
  const country = String(lead.Country ?? '')
    .trim()
    .toLowerCase();
  for (const entry of rule.entries) {
    if (entry.country.length === 0 || entry.country.some((c) => c.toLowerCase() === country)) {
      return entry.ownerId;
    }
  }
  return SANDBOX_USERS.integration;
}
