/**
 * The funnel report from stage history: how many contacts reached and sit in each stage, the
 * conversion rate from each stage to the next, how long contacts stay, and a revenue forecast
 * from those rates. Pure: the store supplies rows, renderers draw the result.
 */
import { STAGE_OWNERS, type StageInfo, type StageOwner } from '../model.ts';

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
  /** Recorded ownership moments (marketing → sdr → sales), for the handoffs by owner. */
  ownerMoments?: { contactId: string; from: StageOwner | null; to: StageOwner; at: string }[];
}

/** One team's share of the funnel: the stages it owns, who got there, who is there now. */
export interface OwnerShare {
  owner: StageOwner;
  stages: string[];
  /** Contacts that reached one of the owner's stages or a later stage. */
  reached: number;
  /** Contacts in one of the owner's stages now. */
  current: number;
}

/** A handoff between teams: how many contacts passed from one to the other (each counted once). */
export interface OwnerHandoff {
  from: StageOwner | null;
  to: StageOwner;
  contacts: number;
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
  /**
   * Median days in the stage, Kaplan-Meier: a stay still open counts as lasting at least until now
   * (censored), so contacts that went quiet in a stage keep it from looking fast. Null until half
   * the stays are known to have ended.
   */
  medianDays: number | null;
  /** Mean days of the stays that ended, null when none ended yet. */
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
  /** Per owner that has stages in the model, in marketing, sdr, sales order. */
  owners: OwnerShare[];
  /** Recorded handoffs between owners, forward ones first. */
  handoffs: OwnerHandoff[];
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
  const stays = stages.map((): Stay[] => []);
  for (const row of rows) {
    const i = index.get(row.stage);
    if (i === undefined) continue;
    const end = row.exitedAt === null ? input.now.getTime() : Date.parse(row.exitedAt);
    const days = (end - Date.parse(row.enteredAt)) / DAY_MS;
    if (!Number.isFinite(days) || days < 0) continue;
    stays[i]!.push({ days, ended: row.exitedAt !== null });
    if (row.exitedAt !== null) durations[i]!.push(days);
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
      medianDays: censoredMedian(stays[i]!),
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

  const owners = STAGE_OWNERS.flatMap((owner): OwnerShare[] => {
    const own = stages.filter((s) => s.owner === owner);
    if (!own.length) return [];
    const firstIndex = Math.min(...own.map((s) => s.index));
    let reachedOwner = 0;
    for (const i of highest.values()) if (i >= firstIndex) reachedOwner++;
    return [
      {
        owner,
        stages: own.map((s) => s.key),
        reached: reachedOwner,
        current: own.reduce((n, s) => n + current[s.index]!, 0),
      },
    ];
  });

  return {
    contacts: highest.size,
    cohorts: cohortsOf(stages, highest, firstSeen),
    owners,
    handoffs: ownerHandoffs(input.ownerMoments ?? [], input.since ? (id) => highest.has(id) : () => true),
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

interface Stay {
  days: number;
  /** False for a stay still open: its length so far is a lower bound (censored). */
  ended: boolean;
}

/**
 * The Kaplan-Meier median: the survival curve S steps down at each ended stay by the share of the
 * stays still at risk; the median is where S reaches one half (midway to the next ended stay when
 * it lands on one half exactly, which gives the usual median when every stay ended). Stays ending
 * and censored at the same length count the ending first.
 */
function censoredMedian(stays: Stay[]): number | null {
  const sorted = [...stays].sort((a, b) => a.days - b.days || Number(b.ended) - Number(a.ended));
  let atRisk = sorted.length;
  let survival = 1;
  for (let k = 0; k < sorted.length; k++) {
    const stay = sorted[k]!;
    if (stay.ended) {
      survival *= (atRisk - 1) / atRisk;
      if (Math.abs(survival - 0.5) < 1e-12) {
        const next = sorted.slice(k + 1).find((s) => s.ended);
        return next ? (stay.days + next.days) / 2 : stay.days;
      }
      if (survival < 0.5) return stay.days;
    }
    atRisk -= 1;
  }
  return null;
}

const RANK: Record<StageOwner, number> = { marketing: 0, sdr: 1, sales: 2 };

function ownerHandoffs(
  moments: NonNullable<FunnelInput['ownerMoments']>,
  inCohort: (contactId: string) => boolean,
): OwnerHandoff[] {
  const pairs = new Map<string, { from: StageOwner | null; to: StageOwner; ids: Set<string> }>();
  for (const m of moments) {
    if (!inCohort(m.contactId)) continue;
    const key = `${m.from ?? ''}>${m.to}`;
    const pair = pairs.get(key) ?? { from: m.from, to: m.to, ids: new Set<string>() };
    pair.ids.add(m.contactId);
    pairs.set(key, pair);
  }
  const forward = (p: { from: StageOwner | null; to: StageOwner }) =>
    p.from === null || RANK[p.from] < RANK[p.to] ? 0 : 1;
  return [...pairs.values()]
    .map((p) => ({ from: p.from, to: p.to, contacts: p.ids.size }))
    .sort(
      (a, b) =>
        forward(a) - forward(b) ||
        (a.from ? RANK[a.from] : -1) - (b.from ? RANK[b.from] : -1) ||
        RANK[a.to] - RANK[b.to],
    );
}
