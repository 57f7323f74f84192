/** A stored decision as the store tests write them: `total` points on one dimension. */
import type { Decision } from '../../src/model.ts';

export function decision(contactId: string, stage: string, total = 10): Decision {
  return {
    contactId,
    stage,
    scores: { fit: total, total },
    reasons: [{ code: 'points', text: `total ${total}` }],
    summary: `${stage} at ${total}`,
    recycled: false,
    modelVersion: 'v1',
  };
}
