/**
 * The canonical shapes every part of leadstage speaks. Connectors map vendor shapes to these;
 * the engine, the pipeline and the store never see a vendor's field names.
 */

export type Vendor = 'hubspot' | 'mautic' | 'salesforce';
export type SourceVendor = 'hubspot' | 'mautic';
export type CrmVendor = 'salesforce';

/** Vendors send most values as strings ("200", "true"); the engine compares by value either way. */
export type PropertyValue = string | number | boolean | null;
export type Properties = Record<string, PropertyValue>;

/** A contact as the source system holds it, after field mapping. */
export interface Contact {
  /** The source system's contact id (HubSpot `hs_object_id`, Mautic contact id). */
  id: string;
  properties: Properties;
  /** ISO-8601 time of the last change the source reported. */
  updatedAt: string;
  /** The stage key the source currently shows, mapped through `mappings/` (absent when unknown). */
  stage?: string;
  /** Ids of contacts the source merged into this one (HubSpot `hs_merged_object_ids`). */
  mergedIds?: string[];
}

/** Event types the connectors emit. Models may name others; they simply never match. */
export const EVENT_TYPES = [
  'email_open',
  'email_click',
  'email_bounce',
  'email_unsubscribe',
  'form_submit',
  'page_view',
  'meeting_booked',
  'meeting_held',
  'points_change',
] as const;
export type CanonicalEventType = (typeof EVENT_TYPES)[number];

export interface EngagementEvent {
  /** Stable across pulls: the same vendor event always gets the same id (dedup key). */
  id: string;
  contactId: string;
  type: string;
  /** ISO-8601. */
  at: string;
  properties: Properties;
}

/** What the engine scores: one contact with its events. Also the `leadstage score` input line. */
export interface ContactInput {
  id: string;
  properties: Properties;
  events: { type: string; at: string; properties?: Properties }[];
  /** Current stage key; a contact never falls below it except through a recycle rule. */
  stage?: string;
  /** The company the contact rolls up to, with its account dimensions (computed beforehand). */
  account?: AccountInput;
}

/** How an account dimension is computed (model `accounts.dimensions`); `fit` is tested by `fitPoints`. */
export type AccountDimensionSpec =
  | { key: string; sum: string }
  | { key: string; max: string }
  | { key: string; fit: { points: number; holds: (company: Properties) => boolean }[] };

/** An account as qualification sees it: computed before, so the engine stays pure. */
export interface AccountInput {
  /** `hubspot:company:<id>`, `mautic:company:<id>` or `domain:<email domain>`. */
  id: string;
  scores: Scores;
}

/**
 * Facts sales produces in the CRM, merged into the contact's properties by the closed loop so that
 * the qualification model can express sales-owned stages as data (e.g. Customer requires
 * `{ property: sales_opportunity, equals: won }`, a recycle rule fires on `sales_status: disqualified`).
 */
export const SALES_FACTS = {
  /** open | working | accepted | disqualified | converted */
  status: 'sales_status',
  /** none | open | won | lost */
  opportunity: 'sales_opportunity',
  amount: 'sales_amount',
  closeDate: 'sales_close_date',
} as const;

export type Scores = Record<string, number>;

/** One fact behind a decision, readable (`text`) and structured (the rest). */
export interface Reason {
  /** Stable machine code: `points`, `requirement_met`, `requirement_missing`, `recycled`, `held`, … */
  code: string;
  text: string;
  stage?: string;
  dimension?: string;
  rule?: string;
  points?: number;
  count?: number;
  met?: boolean;
  have?: PropertyValue;
  need?: string;
}

export interface Decision {
  contactId: string;
  stage: string;
  /** The stage the contact had before (input `stage`), when known. */
  previousStage?: string;
  /** One entry per dimension, plus `total`. */
  scores: Scores;
  reasons: Reason[];
  /** One line for humans and for vendor "reason" fields. */
  summary: string;
  /** True when the stage moved backwards through an explicit recycle rule. */
  recycled: boolean;
  modelVersion: string;
}

/** Who works a contact in a stage: marketing nurtures, SDRs qualify, sales (account executives) sell. */
export const STAGE_OWNERS = ['marketing', 'sdr', 'sales'] as const;
export type StageOwner = (typeof STAGE_OWNERS)[number];
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The workspace's working time, against which business-hour SLAs count (model `businessHours`). */
export interface BusinessHours {
  /** IANA zone, e.g. `Europe/Paris`. */
  timeZone: string;
  /** Working weekdays. */
  days: Weekday[];
  /** Opening and closing wall-clock time, `HH:MM`, start before end (no overnight shifts). */
  start: string;
  end: string;
  /** Local dates (`YYYY-MM-DD`) with no working hours. */
  holidays: string[];
}

/** Sales statuses (`sales_status`) that can end an SLA: sales has acted on the record. */
export const SLA_STATUSES = ['working', 'accepted', 'disqualified', 'converted'] as const;

/** How long sales has to act on a contact that entered a stage (model `stages[].sla`). */
export interface StageSla {
  /** As written: `24h`, `90m`, `2d`. */
  within: string;
  withinMinutes: number;
  /** Count only the workspace's business hours (else calendar time). */
  businessHours: boolean;
  /** Sales statuses that end the clock while the contact stays; leaving the stage always ends it. */
  until: string[];
}

export interface StageInfo {
  key: string;
  label: string;
  owner: StageOwner;
  /** Reaching this stage hands the contact to the CRM. */
  handoff: boolean;
  /** Position in the ordered stage list, first is 0. */
  index: number;
  /** How long sales has to act once a contact enters this stage. */
  sla?: StageSla;
}

/** A qualification model compiled into plain functions; pure, no I/O. */
export interface CompiledModel {
  readonly name: string;
  /** Content hash of the normalised model: changes whenever scoring or stages change. */
  readonly version: string;
  /** The language of labels, reasons and explanations (`locale:` in the model file). @default 'en' */
  readonly locale?: 'en' | 'fr';
  /** ISO 4217 code forecasts are shown in (`currency:` in the model file). @default 'USD' */
  readonly currency?: string;
  /** Score dimensions, without `total` (which always exists). */
  readonly dimensions: readonly string[];
  readonly stages: readonly StageInfo[];
  /** Key of the first stage marked `handoff: true`, or null when the model hands nothing off. */
  readonly handoffStage: string | null;
  /** The working time business-hour SLAs count in. */
  readonly businessHours: BusinessHours;
  /** Account dimensions the model defines (empty: contacts are not rolled up to accounts). */
  readonly accountDimensions: readonly AccountDimensionSpec[];
  /**
   * Canonical event types the model's conditions read (stages, scoring, recycle). Source connectors
   * skip engagement streams that produce none of them; absent: the model may read any type.
   */
  readonly eventTypes?: readonly string[];
  qualify(contact: ContactInput, now: Date): Decision;
  /**
   * `JSON.stringify(qualify(contact, now).reasons)`, byte for byte, built as text without the
   * reason objects (`leadstage score` writes every reason of every contact).
   */
  reasonsJson(contact: ContactInput, now: Date): string;
}

/** A stage and score update to write back to the source system. */
export interface StageChange {
  contactId: string;
  stage: string;
  previousStage?: string;
  scores: Scores;
  summary: string;
  modelVersion: string;
  /** Moving backwards: HubSpot needs the lifecycle stage cleared first. */
  recycled: boolean;
}

/** A contact handed to the CRM, upserted by an external id built from source system and id. */
export interface HandoffRecord {
  sourceSystem: SourceVendor;
  sourceContactId: string;
  /** `${sourceSystem}:${sourceAccount}:${sourceContactId}`: the CRM's external id value. */
  externalId: string;
  properties: Properties;
  stage: string;
  scores: Scores;
  summary: string;
  /** Set when an earlier handoff was converted in the CRM: later updates follow that record. */
  convertedContactId?: string;
  /**
   * First handoff of a workspace that matches on email: an existing Lead or Contact with this
   * email and no external id of its own is linked (and given the external id) instead of created.
   */
  matchOnEmail?: boolean;
  /** No link yet: the CRM record may not exist, and if it is created here it gets an owner. */
  firstHandoff?: boolean;
  /**
   * The account the contact rolls up to, with its dimensions (models with `accounts`): a CRM that
   * files contacts under accounts writes these scores on the account record.
   */
  account?: HandoffAccount & {
    /** `${sourceSystem}:${sourceAccount}:${account id}`: the CRM account record's external id. */
    externalId: string;
  };
}

/** The account of a handed-off contact, as the roll-up last computed it. */
export interface HandoffAccount {
  /** leadstage's account id (`company:<vendor id or name>` or `domain:<domain>`). */
  id: string;
  name: string;
  scores: Scores;
}

/** A CRM record given a new owner (an SLA breach's reassignment). */
export interface OwnerChange {
  /** Names the change in outcomes (the contact id). */
  key: string;
  /** The CRM record's id (a Lead, or the Contact it was converted to or filed as). */
  recordId: string;
  /** A user or queue id. */
  ownerId: string;
}

/** What sales did, as read back from the CRM. */
export interface SalesOutcome {
  /** The external id the record was handed off with, when it carries one. */
  externalId: string | null;
  crmObject: 'Lead' | 'Contact' | 'Opportunity';
  crmId: string;
  /** Canonical facts (see SALES_FACTS) after mapping the CRM's picklists. */
  facts: Properties;
  /** Lead converted: the Contact and Opportunity it became. */
  convertedContactId?: string;
  convertedOpportunityId?: string;
  /** ISO-8601, the CRM's LastModifiedDate. */
  modifiedAt: string;
}

/** Per-record outcome of a write; a failed record never fails the batch. */
export interface RecordFailure {
  id: string;
  code: string;
  message: string;
  retryable: boolean;
  fields?: string[];
}

export interface WriteResult {
  ok: string[];
  failed: RecordFailure[];
}

export interface HandoffResult {
  /** `contactId`: the record matched an existing CRM Contact, which later handoffs update. */
  ok: {
    externalId: string;
    crmId: string;
    created: boolean;
    contactId?: string;
    /** The owner set on a created record (absent when the CRM's assignment rules or default chose). */
    ownerId?: string;
  }[];
  failed: RecordFailure[];
}

/** A CRM record whose external id changes in place (old-format ids gaining the source account). */
export interface ExternalIdChange {
  from: string;
  to: string;
}

/** A person to erase from the CRM, as the link knows them. */
export interface CrmErasureRequest {
  externalId: string;
  crmId: string | null;
  convertedContactId: string | null;
}

/** `delete_lead`: delete an unconverted Lead, leave Contacts and report them. `report_only`: delete nothing. */
export type CrmErasurePolicy = 'delete_lead' | 'report_only';

export interface CrmErasureOutcome {
  externalId: string;
  object: 'Lead' | 'Contact' | null;
  crmId: string | null;
  action: 'deleted' | 'kept' | 'not_found' | 'failed';
  /** Why a record was kept or failed, in words (no personal data). */
  reason?: string;
}

/**
 * How a record created by a handoff gets its owner: a user or queue id, the CRM's assignment rules
 * (its active rule, or the one named), or whatever the CRM does by default.
 */
export type OwnerChoice =
  { kind: 'user'; ownerId: string } | { kind: 'assignment_rules'; ruleId?: string } | { kind: 'default' };

/** The "why" of a handoff written into the CRM record as a Task or a note, kept up to date. */
export interface WhyNote {
  /** The link's external id, naming the record in outcomes. */
  externalId: string;
  /** The CRM record it is attached to (Lead or Contact id). */
  recordId: string;
  as: 'task' | 'note';
  /** The Task or note written before: updated in place, never a second one. */
  existingId?: string;
  subject: string;
  body: string;
}

export interface WhyResult {
  ok: { externalId: string; id: string; created: boolean }[];
  failed: RecordFailure[];
}
