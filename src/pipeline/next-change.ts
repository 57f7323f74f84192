/**
 * When a decision's outcome can next change with no new data: the engine is pure, so the decision
 * is probed at later instants. Time only ever moves an outcome one way between two data changes
 * (decay shrinks points towards zero, events leave windows and never come back, inactivity only
 * grows), so a doubling grid finds the first probe whose outcome differs and a bisection narrows
 * it to the minute. The outcome is the stage, the recycle flag, and the scores beyond a tolerance,
 * so a 0.01-point drift does not make a contact due.
 */
import type { CompiledModel, ContactInput, Decision, Scores } from '../model.ts';

const MINUTE_MS = 60_000;
const FIRST_STEP_MS = 60 * MINUTE_MS;
/** Past this, a decision is looked at again anyway (a year and a bit covers yearly windows). */
export const HORIZON_MS = 400 * 86_400_000;

export interface NextChangeOptions {
  /** Score points a written-back score may drift before the contact is due. */
  scoreTolerance: number;
  horizonMs?: number;
}

export function scoresDrifted(a: Scores, b: Scores, tolerance: number): boolean {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (Math.abs((a[key] ?? 0) - (b[key] ?? 0)) > tolerance) return true;
  }
  return false;
}

export function outcomeDiffers(a: Decision, b: Decision, scoreTolerance: number): boolean {
  return (
    a.stage !== b.stage || a.recycled !== b.recycled || scoresDrifted(a.scores, b.scores, scoreTolerance)
  );
}

/** The first instant in (loMs, hiMs] at which `changed` holds, to the minute; `changed(hiMs)` must hold. */
export function firstInstant(loMs: number, hiMs: number, changed: (ms: number) => boolean): number {
  let lo = loMs;
  let hi = hiMs;
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (changed(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The instant at which `input`'s outcome first differs from `decision` (decided at `at`), or the
 * horizon when nothing changes before it.
 */
export function nextChangeAt(
  model: CompiledModel,
  input: ContactInput,
  decision: Decision,
  at: Date,
  options: NextChangeOptions,
): Date {
  const startMs = at.getTime();
  const horizon = startMs + (options.horizonMs ?? HORIZON_MS);
  const changed = (ms: number) =>
    outcomeDiffers(model.qualify(input, new Date(ms)), decision, options.scoreTolerance);
  let previous = startMs;
  for (let step = FIRST_STEP_MS; previous < horizon; step *= 2) {
    const probe = Math.min(startMs + step, horizon);
    if (changed(probe)) return new Date(firstInstant(previous, probe, changed));
    previous = probe;
  }
  return new Date(horizon);
}
