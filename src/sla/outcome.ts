/**
 * Whether sales acted on a stay in time: pure, from the stay's times, the stage's SLA, the
 * contact's sales status and an instant. The pipeline calls it on every sync; tests call it with
 * hand-picked instants.
 */
import type { BusinessHours, StageSla } from '../model.ts';

import { addBusinessTime } from './business-hours.ts';

const MINUTE_MS = 60_000;

/** When the SLA of a stay entered at `enteredAt` runs out. */
export function slaDeadline(enteredAt: Date, sla: StageSla, hours: BusinessHours): Date {
  const span = sla.withinMinutes * MINUTE_MS;
  const at = enteredAt.getTime();
  return new Date(sla.businessHours ? addBusinessTime(at, span, hours) : at + span);
}

export interface StayFacts {
  enteredAt: Date;
  /** When the contact left the stage (null: still in it). */
  exitedAt: Date | null;
  /** The contact's `sales_status` now, as last read back from the CRM. */
  salesStatus: string | null;
}

export type SlaOutcome =
  | { kind: 'pending'; dueAt: Date }
  | { kind: 'met'; dueAt: Date; at: Date }
  | { kind: 'breached'; dueAt: Date };

/**
 * Met when the contact left the stage by the deadline, or its sales status is one the SLA names
 * (seen by the deadline); breached once the deadline passed with neither; pending before that.
 * A status is only known from the sync that read it, so one read after the deadline counts late.
 */
export function slaOutcome(stay: StayFacts, sla: StageSla, hours: BusinessHours, now: Date): SlaOutcome {
  const dueAt = slaDeadline(stay.enteredAt, sla, hours);
  const due = dueAt.getTime();
  if (stay.exitedAt) {
    return stay.exitedAt.getTime() <= due
      ? { kind: 'met', dueAt, at: stay.exitedAt }
      : { kind: 'breached', dueAt };
  }
  if (now.getTime() >= due) return { kind: 'breached', dueAt };
  if (stay.salesStatus !== null && sla.until.includes(stay.salesStatus)) {
    return { kind: 'met', dueAt, at: now };
  }
  return { kind: 'pending', dueAt };
}
