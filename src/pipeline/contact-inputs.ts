/** Turns stored (or freshly pulled) contacts into the engine's input. */
import type { AccountInput, CompiledModel, ContactInput, EngagementEvent, Properties } from '../model.ts';
import type { StoredContact, StoredDecision } from '../store/index.ts';

export interface InputParts {
  contact: Pick<StoredContact, 'id' | 'properties' | 'salesFacts' | 'sourceStage'>;
  events: EngagementEvent[];
  decision: StoredDecision | undefined;
  /** Facts leadstage derives itself (`sla_breached`); sales facts and source properties give way. */
  derived?: Properties;
  account?: AccountInput;
}

/**
 * Sales facts override same-named source properties: the CRM owns them. The current stage is what
 * the source shows (kept up to date after each write back), else the last decision, when the model
 * knows that stage.
 */
export function toContactInput(model: CompiledModel, parts: InputParts): ContactInput {
  const properties: Properties = {
    ...parts.contact.properties,
    ...parts.contact.salesFacts,
    ...parts.derived,
  };
  const known = (stage: string | null | undefined) =>
    stage && model.stages.some((s) => s.key === stage) ? stage : undefined;
  const stage = known(parts.contact.sourceStage) ?? known(parts.decision?.stage);
  return {
    id: parts.contact.id,
    properties,
    events: parts.events.map((e) => ({ type: e.type, at: e.at, properties: e.properties })),
    ...(stage ? { stage } : {}),
    ...(parts.account ? { account: parts.account } : {}),
  };
}

/** Keys of the stages at or past the model's handoff stage. */
export function handoffStages(model: CompiledModel): string[] {
  const handoff = model.stages.find((s) => s.key === model.handoffStage);
  return handoff ? model.stages.filter((s) => s.index >= handoff.index).map((s) => s.key) : [];
}
