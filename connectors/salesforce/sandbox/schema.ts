/**
 * The sandbox org's metadata: standard fields of Lead, Contact, Account and Opportunity as the
 * describe call reports them, plus leadstage's custom fields (which tests may remove to see
 * `ensureSchema` complain).
 */
export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'reference';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length?: number;
  /** Required on insert (and may not be blanked). */
  required?: boolean;
  createable: boolean;
  updateable: boolean;
  externalId?: boolean;
  unique?: boolean;
  custom?: boolean;
  picklistValues?: string[];
  defaultValue?: string;
  referenceTo?: string;
}

export type SObjectType = 'Lead' | 'Contact' | 'Account' | 'Opportunity' | 'Task' | 'Note';
export const SOBJECT_TYPES: SObjectType[] = ['Lead', 'Contact', 'Account', 'Opportunity', 'Task', 'Note'];

const text = (name: string, label: string, length = 255, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type: 'string',
  length,
  createable: true,
  updateable: true,
  ...extra,
});
const readOnly = (name: string, label: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type,
  createable: false,
  updateable: false,
  ...extra,
});
const of = (name: string, label: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type,
  createable: true,
  updateable: true,
  ...extra,
});

/** A User or, where the object allows queues (Lead), a Group of type Queue. */
const owner = (): FieldDef => of('OwnerId', 'Owner ID', 'reference', { referenceTo: 'User' });

export const TASK_STATUSES = [
  'Not Started',
  'In Progress',
  'Completed',
  'Waiting on someone else',
  'Deferred',
];
export const TASK_PRIORITIES = ['High', 'Normal', 'Low'];

const system = (): FieldDef[] => [
  readOnly('Id', 'Record ID', 'id', { length: 18 }),
  readOnly('IsDeleted', 'Deleted', 'boolean'),
  readOnly('CreatedDate', 'Created Date', 'datetime'),
  readOnly('LastModifiedDate', 'Last Modified Date', 'datetime'),
  readOnly('SystemModstamp', 'System Modstamp', 'datetime'),
];

export const LEAD_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Nurturing',
  'Qualified',
  'Unqualified',
  'Closed - Converted',
  'Closed - Not Converted',
];
export const CONVERTED_STATUS = 'Closed - Converted';
export const OPPORTUNITY_STAGES: { name: string; closed: boolean; won: boolean; probability: number }[] = [
  { name: 'Prospecting', closed: false, won: false, probability: 10 },
  { name: 'Qualification', closed: false, won: false, probability: 10 },
  { name: 'Needs Analysis', closed: false, won: false, probability: 20 },
  { name: 'Value Proposition', closed: false, won: false, probability: 50 },
  { name: 'Proposal/Price Quote', closed: false, won: false, probability: 75 },
  { name: 'Negotiation/Review', closed: false, won: false, probability: 90 },
  { name: 'Closed Won', closed: true, won: true, probability: 100 },
  { name: 'Closed Lost', closed: true, won: false, probability: 0 },
];

/** Dimensions whose score fields the sandbox org has out of the box (the examples' and common ones). */
export const DEFAULT_SCORE_DIMENSIONS = ['contact', 'activity', 'engagement', 'fit', 'intent', 'behavior'];

export function leadstageCustomFields(dimensions = DEFAULT_SCORE_DIMENSIONS): FieldDef[] {
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return [
    text('Leadstage_External_Id__c', 'Leadstage External Id', 255, {
      externalId: true,
      unique: true,
      custom: true,
    }),
    text('Leadstage_Stage__c', 'Leadstage Stage', 80, { custom: true }),
    text('Leadstage_Reason__c', 'Leadstage Reason', 255, { custom: true }),
    of('Leadstage_Score__c', 'Leadstage Score', 'double', { custom: true }),
    ...dimensions.map((d) =>
      of(`Leadstage_${cap(d)}_Score__c`, `Leadstage ${d} score`, 'double', { custom: true }),
    ),
  ];
}

export function defaultSchema(): Record<SObjectType, FieldDef[]> {
  return {
    Lead: [
      ...system(),
      text('FirstName', 'First Name', 40),
      text('LastName', 'Last Name', 80, { required: true }),
      text('Company', 'Company', 255, { required: true }),
      of('Email', 'Email', 'email', { length: 80 }),
      text('Title', 'Title', 128),
      of('Phone', 'Phone', 'phone', { length: 40 }),
      text('Country', 'Country', 80),
      of('Website', 'Website', 'url', { length: 255 }),
      of('Industry', 'Industry', 'picklist', {
        picklistValues: [
          'Technology',
          'Finance',
          'Healthcare',
          'Retail',
          'Manufacturing',
          'Education',
          'Transportation',
          'Media',
        ],
      }),
      of('NumberOfEmployees', 'Employees', 'int'),
      of('LeadSource', 'Lead Source', 'picklist', {
        picklistValues: ['Web', 'Phone Inquiry', 'Partner Referral', 'Other'],
      }),
      of('Status', 'Status', 'picklist', { picklistValues: LEAD_STATUSES, defaultValue: LEAD_STATUSES[0]! }),
      readOnly('IsConverted', 'Converted', 'boolean'),
      readOnly('ConvertedDate', 'Converted Date', 'date'),
      readOnly('ConvertedAccountId', 'Converted Account ID', 'reference', { referenceTo: 'Account' }),
      readOnly('ConvertedContactId', 'Converted Contact ID', 'reference', { referenceTo: 'Contact' }),
      readOnly('ConvertedOpportunityId', 'Converted Opportunity ID', 'reference', {
        referenceTo: 'Opportunity',
      }),
      owner(),
      ...leadstageCustomFields(),
    ],
    Contact: [
      ...system(),
      of('AccountId', 'Account ID', 'reference', { referenceTo: 'Account' }),
      text('FirstName', 'First Name', 40),
      text('LastName', 'Last Name', 80, { required: true }),
      of('Email', 'Email', 'email', { length: 80 }),
      text('Title', 'Title', 128),
      of('Phone', 'Phone', 'phone', { length: 40 }),
      text('MailingCountry', 'Mailing Country', 80),
      owner(),
      ...leadstageCustomFields(),
    ],
    Account: [
      ...system(),
      text('Name', 'Account Name', 255, { required: true }),
      of('Website', 'Website', 'url', { length: 255 }),
      of('Industry', 'Industry', 'picklist', { picklistValues: [] }),
      // What a Contact handoff of a model with accounts writes (an admin creates them like the
      // Contact's): the account id it upserts by, unique like the Contact's external id, and the
      // account dimensions.
      text('Leadstage_Account_Id__c', 'Leadstage Account Id', 255, {
        externalId: true,
        unique: true,
        custom: true,
      }),
      ...leadstageCustomFields().filter((f) => f.name.endsWith('_Score__c')),
    ],
    Opportunity: [
      ...system(),
      text('Name', 'Name', 120, { required: true }),
      of('AccountId', 'Account ID', 'reference', { referenceTo: 'Account' }),
      readOnly('ContactId', 'Contact ID', 'reference', { referenceTo: 'Contact' }),
      of('StageName', 'Stage', 'picklist', {
        required: true,
        picklistValues: OPPORTUNITY_STAGES.map((s) => s.name),
      }),
      of('Amount', 'Amount', 'currency'),
      of('CloseDate', 'Close Date', 'date', { required: true }),
      of('Probability', 'Probability (%)', 'percent'),
      readOnly('IsClosed', 'Closed', 'boolean'),
      readOnly('IsWon', 'Won', 'boolean'),
    ],
    // WhoId is a Lead or a Contact; Salesforce moves a Lead's Tasks to its Contact on conversion.
    Task: [
      ...system(),
      of('WhoId', 'Name ID', 'reference', { referenceTo: 'Lead' }),
      text('Subject', 'Subject', 255),
      of('Description', 'Comments', 'textarea', { length: 32_000 }),
      of('Status', 'Status', 'picklist', { picklistValues: TASK_STATUSES, defaultValue: TASK_STATUSES[0]! }),
      of('Priority', 'Priority', 'picklist', { picklistValues: TASK_PRIORITIES, defaultValue: 'Normal' }),
      of('ActivityDate', 'Due Date Only', 'date'),
      owner(),
    ],
    // The classic Note: ParentId is the record it is attached to.
    Note: [
      ...system(),
      of('ParentId', 'Parent ID', 'reference', { required: true, referenceTo: 'Lead' }),
      text('Title', 'Title', 80, { required: true }),
      of('Body', 'Body', 'textarea', { length: 32_000 }),
      of('IsPrivate', 'Private', 'boolean'),
      owner(),
    ],
  };
}

/** The describe answer for one object, trimmed to the keys clients read. */
export function describe(type: SObjectType, fields: FieldDef[], version: string) {
  return {
    name: type,
    label: type,
    custom: false,
    createable: true,
    updateable: true,
    queryable: true,
    keyPrefix: { Lead: '00Q', Contact: '003', Account: '001', Opportunity: '006', Task: '00T', Note: '002' }[
      type
    ],
    urls: {
      sobject: `/services/data/v${version}/sobjects/${type}`,
      describe: `/services/data/v${version}/sobjects/${type}/describe`,
      rowTemplate: `/services/data/v${version}/sobjects/${type}/{ID}`,
    },
    fields: fields.map((f) => ({
      name: f.name,
      label: f.label,
      type: f.type,
      length: f.length ?? 0,
      custom: f.custom ?? false,
      externalId: f.externalId ?? false,
      unique: f.unique ?? false,
      idLookup: f.name === 'Id' || (f.externalId ?? false),
      nillable: !f.required && f.type !== 'boolean' && f.name !== 'Id',
      createable: f.createable,
      updateable: f.updateable,
      defaultedOnCreate: f.defaultValue !== undefined || !f.createable,
      // Status and StageName refuse values outside their list, as in a standard org.
      restrictedPicklist: f.name === 'Status' || f.name === 'StageName',
      picklistValues: (f.picklistValues ?? []).map((v) => ({
        value: v,
        label: v,
        active: true,
        defaultValue: v === f.defaultValue,
      })),
      referenceTo: f.referenceTo ? [f.referenceTo] : [],
    })),
  };
}
