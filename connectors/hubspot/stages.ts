/**
 * Model stage keys <-> HubSpot lifecycle stage internal values. Portals can customise lifecycle
 * stages (custom ones get numeric internal values), so the portal's options are the authority and
 * the mapping may name a stage by label.
 */
import type { HubspotMapping } from './mapping.ts';

export interface LifecycleOption {
  value: string;
  label: string;
}

export class StageMap {
  private readonly toHubspot = new Map<string, string>();
  private readonly fromHubspot = new Map<string, string>();

  /**
   * @param modelStages stage keys of the qualification model when known; they win when several keys
   *   map to the same lifecycle value.
   */
  constructor(mapping: HubspotMapping, options: LifecycleOption[], modelStages: string[] = []) {
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
    const keys = [...new Set([...modelStages, ...Object.keys(mapping.stages)])];
    for (const key of keys) {
      const value = resolve(key);
      if (value === undefined) continue;
      this.toHubspot.set(key, value);
      if (!this.fromHubspot.has(value)) this.fromHubspot.set(value, key);
    }
    this.unknownModelStages = modelStages.filter((k) => !this.toHubspot.has(k));
  }

  /** Model stages the portal has no lifecycle stage for (write-backs to them fail per record). */
  readonly unknownModelStages: string[];

  lifecycleValue(stageKey: string): string | undefined {
    return this.toHubspot.get(stageKey);
  }

  stageKey(lifecycleValue: string | null | undefined): string | undefined {
    if (!lifecycleValue) return undefined;
    return this.fromHubspot.get(lifecycleValue);
  }
}
