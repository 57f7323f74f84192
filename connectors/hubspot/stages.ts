/**
 * Model stage keys <-> HubSpot lifecycle stage internal values. Portals can customise lifecycle
 * stages (custom ones get numeric internal values), so the portal's options are the authority and
 * the mapping may name a stage by label. A model stage HubSpot has no value for takes the value of
 * the nearest lower stage that has one (or the portal's first lifecycle stage): the model's exact
 * stage is written to a property of its own, so nothing is lost and no write is refused.
 */
import type { HubspotMapping } from './mapping.ts';

export interface LifecycleOption {
  value: string;
  label: string;
}

export class StageMap {
  private readonly toHubspot = new Map<string, string>();
  private readonly fromHubspot = new Map<string, string>();
  private readonly modelStages: Set<string>;

  /**
   * @param modelStages stage keys of the qualification model, in model order, when known; they win
   *   when several keys map to the same lifecycle value, and unmapped ones fall back to a lower stage.
   */
  constructor(mapping: HubspotMapping, options: LifecycleOption[], modelStages: string[] = []) {
    this.modelStages = new Set(modelStages);
    const byValue = new Map(options.map((o) => [o.value, o]));
    const byLabel = new Map(options.map((o) => [o.label.trim().toLowerCase(), o]));
    const resolve = (key: string): string | undefined => {
      const target = mapping.stages[key];
      if (target && 'value' in target) {
        return options.length === 0 || byValue.has(target.value) ? target.value : undefined;
      }
      if (target) return byLabel.get(target.label.trim().toLowerCase())?.value;
      return byValue.get(key)?.value ?? byLabel.get(key.toLowerCase())?.value;
    };
    const native = new Map<string, string>();
    for (const key of [...new Set([...modelStages, ...Object.keys(mapping.stages)])]) {
      const value = resolve(key);
      if (value !== undefined) native.set(key, value);
    }
    this.unmappedModelStages = modelStages.filter((k) => !native.has(k));
    // Model stages first, in order, so a shared value reads back as the lowest stage holding it.
    for (const [key, value] of native) {
      this.toHubspot.set(key, value);
      if (!this.fromHubspot.has(value)) this.fromHubspot.set(value, key);
    }
    let lower = options[0]?.value;
    for (const key of modelStages) {
      const value = native.get(key);
      if (value !== undefined) lower = value;
      else if (lower !== undefined) this.toHubspot.set(key, lower);
    }
    this.unknownModelStages = modelStages.filter((k) => !this.toHubspot.has(k));
  }

  /** Model stages with no lifecycle stage of their own (written as a lower stage's value). */
  readonly unmappedModelStages: string[];
  /** Model stages with no lifecycle value at all (only when the portal lists no lifecycle stages). */
  readonly unknownModelStages: string[];

  lifecycleValue(stageKey: string): string | undefined {
    return this.toHubspot.get(stageKey);
  }

  /**
   * The model stage a contact is at: the exact one leadstage wrote (`exactStage`) while HubSpot
   * still shows that stage's lifecycle value, else the stage the lifecycle value maps back to.
   */
  stageKey(lifecycleValue: string | null | undefined, exactStage?: string | null): string | undefined {
    if (!lifecycleValue) return undefined;
    if (exactStage && this.modelStages.has(exactStage) && this.toHubspot.get(exactStage) === lifecycleValue) {
      return exactStage;
    }
    return this.fromHubspot.get(lifecycleValue);
  }
}
