/**
 * Ownership moments: a stage change that moves a contact to a stage another team owns (marketing →
 * SDR, SDR → sales, or back on a recycle) is recorded with the time the stage changed, so the
 * funnel can show each handoff by owner even after the model's stages are edited.
 */
import type { CompiledModel, StageOwner } from '../model.ts';
import type { OwnerMoment, StageTransition } from '../store/index.ts';

export function ownerMoments(
  model: Pick<CompiledModel, 'stages'>,
  transitions: readonly StageTransition[],
  changedAt: (contactId: string) => Date,
): OwnerMoment[] {
  const owners = new Map<string, StageOwner>(model.stages.map((s) => [s.key, s.owner]));
  return transitions.flatMap((t) => {
    const to = owners.get(t.to);
    // A contact first seen past marketing's stages was marketing's until then.
    const from: StageOwner = (t.from === null ? undefined : owners.get(t.from)) ?? 'marketing';
    if (!to || to === from) return [];
    return [{ contactId: t.contactId, from, to, stage: t.to, at: changedAt(t.contactId).toISOString() }];
  });
}
