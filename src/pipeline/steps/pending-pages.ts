/**
 * The pages a sending step (write-back, handoff) works through: its pending records in contact-id
 * order, `limit` at a time (keyset pages: a record sent meanwhile is never read twice), less the
 * records that already failed in this run. With `holdPartial` the last, partial page is not sent
 * but answered in `held`, for the pipelined steps to add to the next qualified batch.
 */
import { failedThisRun, type RunContext, type SendScope } from '../run-context.ts';
import type { StepName } from '../types.ts';

export async function* pendingPages<T extends { contactId: string }>(
  ctx: RunContext,
  step: StepName,
  options: { scope: SendScope; limit: number; held: string[] },
  read: (page: { limit: number; afterId?: string; ids?: string[] }) => Promise<T[]>,
): AsyncGenerator<T[]> {
  const { scope, limit } = options;
  let afterId: string | undefined;
  for (;;) {
    const page = await read({
      limit,
      ...(afterId ? { afterId } : {}),
      ...(scope.ids ? { ids: scope.ids } : {}),
    });
    if (page.length === 0) return;
    if (scope.holdPartial && page.length < limit) {
      options.held.push(...page.map((p) => p.contactId));
      return;
    }
    afterId = page[page.length - 1]!.contactId;
    const batch = page.filter((p) => !failedThisRun(ctx, step, p.contactId));
    if (batch.length > 0) yield batch;
  }
}
