/**
 * Qualify, write back and hand off as one pipeline. Each batch of decisions, once committed, goes to
 * the write-back and the handoff at once, each behind a small bounded buffer: the source's write
 * calls, the CRM's handoff calls and the next batch's qualification overlap instead of following one
 * another, and a slow vendor holds the qualification back by at most `BUFFERED` batches (memory stays
 * at a few batches). Each lane ends with a sweep over everything still pending in the store (writes
 * and handoffs an earlier run left to retry), so the end state is the sequential steps' end state.
 *
 * Every lane derives its work from the store (decision-vs-written diffs, missing links), so a crash
 * anywhere in the pipeline and a rerun reach the same end state; on the first failure nothing new
 * starts, the work in flight lands, and the failure is thrown naming its step.
 */
import { BoundedBuffer } from '../bounded-buffer.ts';
import { inStep, type RunContext, type SendScope, type Sent, type StepCount } from '../run-context.ts';
import type { StepName } from '../types.ts';
import { handOff } from './handoff.ts';
import { qualifyContacts, type QualifyScope } from './qualify.ts';
import { writeBack } from './write-back.ts';

/**
 * Batches a lane may fall behind the qualification. Two: one being sent while the next waits, so a
 * lane never idles on the qualification, and a fast qualification never holds more than two batches.
 */
const BUFFERED = 2;

export type AfterStep = (step: Extract<StepName, 'qualify' | 'write_back' | 'handoff'>) => Promise<void>;

interface Lane {
  step: 'write_back' | 'handoff';
  buffer: BoundedBuffer<string[]>;
  send: (ids: string[]) => Promise<void>;
  sweep: () => Promise<unknown>;
}

/**
 * A sending step as a lane: each qualified batch is sent in full vendor batches, the rest held over
 * to the next one (a thousand-contact batch with 30 SQLs must not cost a handoff call of 30), and
 * the closing sweep sends what is left, with everything else still pending in `sweepIds` (or the
 * workspace).
 */
function lane(
  step: Lane['step'],
  run: (scope: SendScope, count: StepCount) => Promise<Sent>,
  sweepIds: string[] | undefined,
): Lane {
  const count: StepCount = { done: 0 };
  let held: string[] = [];
  return {
    step,
    buffer: new BoundedBuffer<string[]>(BUFFERED),
    send: async (ids) => {
      held = (await run({ ids: [...held, ...ids], holdPartial: true }, count)).held;
    },
    sweep: () => run(sweepIds ? { ids: sweepIds } : {}, count),
  };
}

/** Qualifies `scope` and sends what it decided on; `after` is told as each step finishes. */
export async function settleContacts(
  ctx: RunContext,
  scope: QualifyScope = {},
  after: AfterStep = () => Promise.resolve(),
): Promise<void> {
  const lanes = [
    lane('write_back', (s, count) => writeBack(ctx, s, count), scope.ids),
    lane('handoff', (s, count) => handOff(ctx, s, count), scope.ids),
  ];
  let abandoned = false;
  const consume = async (l: Lane) => {
    try {
      for await (const ids of l.buffer) await l.send(ids);
      if (abandoned) return;
      await l.sweep();
      await after(l.step);
    } catch (err) {
      inStep(ctx, err, l.step);
      // The qualification's next push throws this error, and the other lane stops after its batch.
      abandoned = true;
      for (const other of lanes) other.buffer.fail(err);
      throw err;
    }
  };
  const produce = async () => {
    try {
      await qualifyContacts(ctx, scope, async (ids) => {
        for (const l of lanes) await l.buffer.push(ids);
      });
      await after('qualify');
      for (const l of lanes) l.buffer.close();
    } catch (err) {
      abandoned = true;
      for (const l of lanes) l.buffer.abandon();
      throw inStep(ctx, err, 'qualify');
    }
  };
  const settled = await Promise.allSettled([produce(), ...lanes.map(consume)]);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
}
