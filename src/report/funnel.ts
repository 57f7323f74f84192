/**
 * The funnel report from stage history: how many contacts reached and sit in each stage, the
 * conversion rate from each stage to the next, how long contacts stay, and a revenue forecast
 * from those rates. Pure: the store supplies rows, renderers draw the result.
 */
import type { StageInfo } from '../model.ts';

export interface StageStay {
  contactId: string;
  stage: string;
  /** ISO-8601. */
  enteredAt: string;
  /** ISO-8601, null while the contact is still in the stage. */
  exitedAt: string | null;
}

export interface FunnelInput {
  stages: readonly StageInfo[];
  history: StageStay[];
  /** Current stage per contact (the last decision). */
  current: Map<string, string>;
  /** Deal amounts known per contact (sales_amount read back from the CRM). */
  amounts: Map<string, number>;
  /** The stage that means revenue; default: `customer` or `won` when the model has one, else the last stage. */
  wonStage?: string;
  /** Average deal size to forecast with; default: the mean amount of won deals. */
  dealSize?: number;
  /** Used when neither `dealSize` is given nor any won deal carries an amount. */
  defaultDealSize?: number;
  /** New leads per month for the monthly forecast, or derived from `budget` / `costPerLead`. */
  monthlyLeads?: number;
  budget?: number;
  costPerLead?: number;
  /** Only contacts first seen on or after this date (a cohort). */
  since?: Date;
  now: Date;
}

export interface MonthlyForecast {
  newLeads: number;
  /** New leads × the first stage's probability of reaching the won stage. */
  customers: number;
  revenue: number;
}

export interface FunnelStage {
  key: string;
  label: string;
  owner: StageInfo['owner'];
  handoff: boolean;
  /** Contacts that are in this stage now. */
  current: number;
  /** Contacts that ever reached this stage or a later one. */
  reached: number;
  /** reached(next) / reached(this); null for the last stage or when nobody reached this one. */
  conversionToNext: number | null;
  /** Days spent in the stage by contacts who left it (median and mean), null when none left yet. */
  medianDays: number | null;
  meanDays: number | null;
  /** Probability that a contact now in this stage reaches the won stage, from the rates. */
  winProbability: number | null;
  /** current × winProbability × deal size (0 at or past the won stage). */
  expectedRevenue: number;
}

export interface FunnelReport {
  contacts: number;
  wonStage: string;
  dealSize: number;
  dealSizeSource: 'given' | 'won deals' | 'default';
  stages: FunnelStage[];
  /** Sum of expectedRevenue over stages before the won stage. */
  forecast: number;
  /** Won revenue so far: amounts of contacts at or past the won stage. */
  won: number;
  /** Present when a monthly lead count (or budget and cost per lead) was given. */
  monthly: MonthlyForecast | null;
  /** Contacts grouped by the UTC month they were first seen in a stage, oldest first. */
  cohorts: Cohort[];
}

export interface Cohort {
  /** `YYYY-MM`, UTC. */
  month: string;
  contacts: number;
  /** Per stage key: contacts of this cohort that reached it or a later stage. */
  reached: Record<string, number>;
}

const DAY_MS = 86_400_000;

export function defaultWonStage(stages: readonly StageInfo[]): string {
  return stages.find((s) => s.key === 'customer' || s.key === 'won')?.key ?? stages[stages.length - 1]!.key;
}

export function buildFunnel(input: FunnelInput): FunnelReport {
  const { stages } = input;
  const index = new Map(stages.map((s) => [s.key, s.index]));
  const wonStage = input.wonStage ?? defaultWonStage(stages);
  const wonIndex = index.get(wonStage);
  if (wonIndex === undefined) throw new Error(`won stage "${wonStage}" is not a stage of the model`);

  let rows = input.history;
  let currentStages = input.current;
  const firstSeen = new Map<string, number>();
  for (const r of rows) {
    const t = Date.parse(r.enteredAt);
    if (t < (firstSeen.get(r.contactId) ?? Infinity)) firstSeen.set(r.contactId, t);
  }
  if (input.since) {
    const since = input.since.getTime();
    const inCohort = (id: string) => (firstSeen.get(id) ?? -Infinity) >= since;
    rows = rows.filter((r) => inCohort(r.contactId));
    currentStages = new Map([...currentStages].filter(([id]) => inCohort(id)));
  }

  // Highest stage each contact ever reached: history plus where it is now.
  const highest = new Map<string, number>();
  const raise = (id: string, stage: string) => {
    const i = index.get(stage);
    if (i !== undefined && i > (highest.get(id) ?? -1)) highest.set(id, i);
  };
  for (const row of rows) raise(row.contactId, row.stage);
  for (const [id, stage] of currentStages) raise(id, stage);

  const reached = stages.map(() => 0);
  for (const i of highest.values()) for (let s = 0; s <= i; s++) reached[s]!++;
  const current = stages.map(() => 0);
  for (const stage of currentStages.values()) {
    const i = index.get(stage);
    if (i !== undefined) current[i]!++;
  }

  const durations = stages.map((): number[] => []);
  for (const row of rows) {
    const i = index.get(row.stage);
    if (i === undefined || row.exitedAt === null) continue;
    const days = (Date.parse(row.exitedAt) - Date.parse(row.enteredAt)) / DAY_MS;
    if (Number.isFinite(days) && days >= 0) durations[i]!.push(days);
  }

  const conversion = stages.map((_, i) =>
    i + 1 < stages.length && reached[i]! > 0 ? reached[i + 1]! / reached[i]! : null,
  );

  let wonAmount = 0;
  let wonDeals = 0;
  for (const [id, i] of highest) {
    if (i < wonIndex) continue;
    const amount = input.amounts.get(id);
    if (amount !== undefined && amount > 0) {
      wonAmount += amount;
      wonDeals++;
    }
  }
  const dealSize = input.dealSize ?? (wonDeals > 0 ? wonAmount / wonDeals : (input.defaultDealSize ?? 0));
  const dealSizeSource = input.dealSize !== undefined ? 'given' : wonDeals > 0 ? 'won deals' : 'default';

  const result: FunnelStage[] = stages.map((s, i) => {
    let p: number | null = 1;
    for (let k = i; k < wonIndex && p !== null; k++) p = conversion[k] === null ? null : p * conversion[k]!;
    const expected = i < wonIndex && p !== null ? current[i]! * p * dealSize : 0;
    const d = durations[i]!;
    return {
      key: s.key,
      label: s.label,
      owner: s.owner,
      handoff: s.handoff,
      current: current[i]!,
      reached: reached[i]!,
      conversionToNext: conversion[i]!,
      medianDays: d.length ? median(d) : null,
      meanDays: d.length ? d.reduce((a, b) => a + b, 0) / d.length : null,
      winProbability: p,
      expectedRevenue: expected,
    };
  });

  const newLeads =
    input.monthlyLeads ??
    (input.budget !== undefined && input.costPerLead !== undefined && input.costPerLead > 0
      ? input.budget / input.costPerLead
      : undefined);
  const entry = result[0]?.winProbability ?? null;
  const monthly =
    newLeads === undefined
      ? null
      : { newLeads, customers: newLeads * (entry ?? 0), revenue: newLeads * (entry ?? 0) * dealSize };

  return {
    contacts: highest.size,
    cohorts: cohortsOf(stages, highest, firstSeen),
    wonStage,
    dealSize,
    dealSizeSource,
    stages: result,
    forecast: result.reduce((sum, s) => sum + s.expectedRevenue, 0),
    won: wonAmount,
    monthly,
  };
}

function cohortsOf(
  stages: readonly StageInfo[],
  highest: Map<string, number>,
  firstSeen: Map<string, number>,
): Cohort[] {
  const byMonth = new Map<string, Cohort>();
  for (const [id, top] of highest) {
    const t = firstSeen.get(id);
    // A contact with a decision but no recorded stay (decided before history was kept) has no month.
    if (t === undefined) continue;
    const month = new Date(t).toISOString().slice(0, 7);
    const cohort = byMonth.get(month) ?? {
      month,
      contacts: 0,
      reached: Object.fromEntries(stages.map((s) => [s.key, 0])),
    };
    cohort.contacts++;
    for (let s = 0; s <= top; s++) cohort.reached[stages[s]!.key]!++;
    byMonth.set(month, cohort);
  }
  return [...byMonth.values()].sort((a, b) => a.month.localeCompare(b.month));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
