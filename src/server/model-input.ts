/**
 * A qualification model as the API takes it: a shipped preset or the YAML text itself. Never a
 * file path: the API must not read files on the server.
 */
import { z } from 'zod';

import type { CompiledModel } from '../model.ts';
import type { ModelProblem } from '../qualification/index.ts';
import { loadEngine } from '../pipeline/engine.ts';
import type { WorkspaceModel } from '../store/index.ts';

export const modelInputSchema = z
  .object({
    preset: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a preset name such as hubspot-lifecycle')
      .optional(),
    yaml: z.string().min(1).max(1_000_000).optional(),
  })
  .strict()
  .refine((m) => (m.preset === undefined) !== (m.yaml === undefined), {
    message: 'give exactly one of preset or yaml',
  });
export type ModelInput = z.infer<typeof modelInputSchema>;

export async function compileModelInput(
  input: ModelInput | undefined,
): Promise<{ model: CompiledModel; saved: WorkspaceModel; warnings: ModelProblem[] }> {
  const engine = await loadEngine();
  if (input?.yaml !== undefined) {
    const { model, warnings } = engine.checkModel(input.yaml, 'model.yaml');
    return { model, warnings, saved: { text: input.yaml, ref: 'api:model.yaml', version: model.version } };
  }
  const source = await engine.loadModelSource(`preset:${input?.preset ?? engine.DEFAULT_PRESET}`);
  const { model, warnings } = engine.checkModel(source.text, source.file);
  return { model, warnings, saved: { text: source.text, ref: source.ref, version: model.version } };
}
