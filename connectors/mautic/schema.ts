/**
 * What the model needs in Mautic: one stage per model stage (Stages API, weighted in model order) and
 * the custom number/text fields leadstage writes scores, reason and model version to. Mautic silently
 * drops values for fields it doesn't have, so write-back also makes sure its targets exist (once per
 * connector instance, cached) even when `ensureSchema` was never called.
 */
import { ConfigError } from '../../src/errors.ts';
import { MAUTIC_TEXT_MAX } from './field-limits.ts';
import type { MauticClient } from './client.ts';
import { scoreFieldFor, type MauticMapping } from './mapping-file.ts';
import { fieldListSchema, fieldOneSchema, stageListSchema, stageOneSchema } from './wire.ts';

export function stageNameFor(mapping: MauticMapping, key: string, label?: string): string {
  return mapping.stages[key] ?? label ?? key;
}

export interface WantedField {
  alias: string;
  label: string;
  type: 'number' | 'text';
  /** Declared for text fields: left out, Mautic makes the field 64 characters (LeadField.php). */
  charLengthLimit?: number;
}

/** The reason field's length: the mapping's, within what a Mautic text field holds. */
export function reasonFieldLength(mapping: MauticMapping): number {
  return Math.min(mapping.writeBack.reasonMaxLength, MAUTIC_TEXT_MAX);
}

export interface WantedStage {
  name: string;
  key: string;
  /** Mautic orders stages by weight; unknown when a stage is created during write-back. */
  weight?: number;
}

export function wantedFields(mapping: MauticMapping, dimensions: Iterable<string>): WantedField[] {
  const scores = [...new Set([...dimensions, 'total'])].map((d) => ({
    alias: scoreFieldFor(mapping, d),
    label: d === 'total' ? 'Leadstage score' : `Leadstage ${d} score`,
    type: 'number' as const,
  }));
  return [
    ...scores,
    {
      alias: mapping.writeBack.reasonField,
      label: 'Leadstage reason',
      type: 'text',
      charLengthLimit: reasonFieldLength(mapping),
    },
    {
      alias: mapping.writeBack.modelVersionField,
      label: 'Leadstage model version',
      type: 'text',
      charLengthLimit: MAUTIC_TEXT_MAX,
    },
  ];
}

export class MauticSchema {
  private stages: Promise<Map<string, string>> | null = null;
  private fields: Promise<Set<string>> | null = null;
  private readonly client: MauticClient;

  constructor(client: MauticClient) {
    this.client = client;
  }

  /** Forgets what was listed, so the next use reads Mautic again. */
  invalidate(): void {
    this.stages = null;
    this.fields = null;
  }

  /** Stage name (lowercased) → Mautic stage id, listed once. */
  stageIds(): Promise<Map<string, string>> {
    this.stages ??= this.client
      .request({ method: 'GET', path: '/stages', query: { start: 0, limit: 1000 }, schema: stageListSchema })
      .then(({ data }) => new Map(data.stages.map(([, s]) => [s.name.toLowerCase(), s.id])));
    this.stages.catch(() => (this.stages = null));
    return this.stages;
  }

  /** Contact field aliases, listed once. */
  fieldAliases(): Promise<Set<string>> {
    this.fields ??= this.client
      .request({
        method: 'GET',
        path: '/fields/contact',
        query: { start: 0, limit: 1000 },
        schema: fieldListSchema,
      })
      .then(({ data }) => new Set(data.fields.map(([, f]) => f.alias)));
    this.fields.catch(() => (this.fields = null));
    return this.fields;
  }

  async ensureStages(wanted: WantedStage[]): Promise<void> {
    if (wanted.length === 0) return;
    const ids = await this.stageIds();
    for (const stage of wanted) {
      if (ids.has(stage.name.toLowerCase())) continue;
      const { data } = await this.client.request({
        method: 'POST',
        path: '/stages/new',
        body: {
          name: stage.name,
          weight: stage.weight ?? 0,
          description: `leadstage stage "${stage.key}"`,
          // stages.rst "Create Stage": isPublished is an int, "a value of 0 or 1".
          isPublished: 1,
        },
        schema: stageOneSchema,
      });
      ids.set(data.stage.name.toLowerCase(), data.stage.id);
    }
  }

  async ensureFields(wanted: WantedField[]): Promise<void> {
    const have = await this.fieldAliases();
    for (const field of wanted) {
      if (have.has(field.alias)) continue;
      const created = await this.client.request({
        method: 'POST',
        path: '/fields/contact/new',
        body: {
          label: field.label,
          alias: field.alias,
          type: field.type,
          group: 'core',
          object: 'lead',
          isPublished: true,
          ...(field.charLengthLimit ? { charLengthLimit: field.charLengthLimit } : {}),
        },
        schema: fieldOneSchema,
      });
      // Mautic rewrites aliases that clash with reserved words; writes would then miss the field.
      if (created.data.field.alias !== field.alias) {
        throw new ConfigError(
          `Mautic created field "${field.alias}" as "${created.data.field.alias}": choose another alias in mappings/mautic.yaml`,
        );
      }
      have.add(field.alias);
    }
  }
}
