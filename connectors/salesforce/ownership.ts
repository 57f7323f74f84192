/**
 * Owners on handoff. Salesforce's REST API runs the active assignment rule on every Lead it
 * creates *or updates* unless told otherwise (`Sforce-Auto-Assign`, default TRUE), which would hand
 * a rep's Lead to someone else on each later handoff. So every write to a record that exists says
 * FALSE, and only records being created get an owner: an OwnerId (user or queue), the active rule
 * (TRUE) or a named rule (its id), or, by default, whatever the org does when nothing is said.
 * @see https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_autoassign.htm
 */
import type { HandoffRecord, OwnerChoice } from '../../src/model.ts';
import type { Row } from './results.ts';

export const AUTO_ASSIGN_HEADER = 'Sforce-Auto-Assign';

/** Records written together: the same header, the same way to the org. */
export interface WriteGroup {
  rows: Row[];
  headers: Record<string, string>;
  /**
   * Above the bulk threshold, Bulk API 2.0 may carry this group: it runs no assignment rule unless
   * the job names one (`assignmentRuleId`), and cannot ask for "the active rule".
   */
  bulk: { allowed: false } | { allowed: true; assignmentRuleId?: string };
  /** The OwnerId each row is created with, by external id. */
  owners?: Map<string, string>;
}

/**
 * Splits rows into what exists (never reassigned) and what is created, grouped by how the new
 * record gets its owner. `choices` holds one choice per record of `created`, in order.
 */
export function ownerGroups(
  records: HandoffRecord[],
  rows: Row[],
  existing: ReadonlySet<string>,
  choices: ReadonlyMap<string, OwnerChoice>,
): WriteGroup[] {
  const keep: WriteGroup = { rows: [], headers: { [AUTO_ASSIGN_HEADER]: 'FALSE' }, bulk: { allowed: true } };
  const byDefault: WriteGroup = { rows: [], headers: {}, bulk: { allowed: true } };
  const toUsers: WriteGroup = {
    rows: [],
    headers: { [AUTO_ASSIGN_HEADER]: 'FALSE' },
    bulk: { allowed: true },
    owners: new Map(),
  };
  const activeRule: WriteGroup = {
    rows: [],
    headers: { [AUTO_ASSIGN_HEADER]: 'TRUE' },
    bulk: { allowed: false },
  };
  const namedRules = new Map<string, WriteGroup>();
  records.forEach((record, i) => {
    const row = rows[i]!;
    if (!record.firstHandoff || existing.has(record.externalId.toLowerCase())) {
      keep.rows.push(row);
      return;
    }
    const choice = choices.get(record.externalId) ?? { kind: 'default' };
    if (choice.kind === 'user') {
      toUsers.rows.push({ ...row, fields: { ...row.fields, OwnerId: choice.ownerId } });
      toUsers.owners!.set(row.externalId, choice.ownerId);
    } else if (choice.kind === 'assignment_rules' && choice.ruleId) {
      const group = namedRules.get(choice.ruleId) ?? {
        rows: [],
        headers: { [AUTO_ASSIGN_HEADER]: choice.ruleId },
        bulk: { allowed: true, assignmentRuleId: choice.ruleId },
      };
      group.rows.push(row);
      namedRules.set(choice.ruleId, group);
    } else if (choice.kind === 'assignment_rules') {
      activeRule.rows.push(row);
    } else {
      byDefault.rows.push(row);
    }
  });
  return [keep, byDefault, toUsers, activeRule, ...namedRules.values()].filter((g) => g.rows.length > 0);
}
