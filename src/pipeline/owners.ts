/**
 * Chooses the owner of each record a handoff creates, from the workspace's owner settings: the
 * CRM's assignment rules, a property mapped to a user or queue, or round-robin over a list of
 * users whose turn is kept in the store. Asked only for records the CRM is about to create, so a
 * record a rep already owns never costs a turn and never changes hands.
 */
import type { HandoffRecord, OwnerChoice, PropertyValue } from '../model.ts';
import type { Store } from '../store/index.ts';

import type { OwnerSettings } from './handoff-settings.ts';

/**
 * One rotation per workspace: after the list is edited the count carries on (modulo the new
 * length), so nobody's turn comes round twice just because a colleague joined.
 */
export const ROTATION = 'round_robin';

function normalise(value: PropertyValue | undefined): string {
  return value === null || value === undefined ? '' : String(value).trim().toLowerCase();
}

export function ownerChooser(
  store: Store,
  workspaceId: string,
  settings: OwnerSettings,
): ((created: HandoffRecord[]) => Promise<OwnerChoice[]>) | undefined {
  switch (settings.mode) {
    case 'default':
      return undefined;
    case 'assignment_rules': {
      const choice: OwnerChoice = settings.ruleId
        ? { kind: 'assignment_rules', ruleId: settings.ruleId }
        : { kind: 'assignment_rules' };
      return (created) => Promise.resolve(created.map(() => choice));
    }
    case 'field': {
      // Values compare as people type them: case and surrounding space never matter.
      const map = new Map(Object.entries(settings.map).map(([k, v]) => [normalise(k), v]));
      return (created) =>
        Promise.resolve(
          created.map((r): OwnerChoice => {
            const ownerId = map.get(normalise(r.properties[settings.field])) ?? settings.fallback;
            return ownerId ? { kind: 'user', ownerId } : { kind: 'default' };
          }),
        );
    }
    case 'round_robin': {
      const { users } = settings;
      return async (created) => {
        const first = await store.ownership.reserveTurns(workspaceId, ROTATION, created.length);
        return created.map((_, i) => ({ kind: 'user', ownerId: users[(first + i) % users.length]! }));
      };
    }
  }
}
