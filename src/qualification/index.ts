/**
 * The qualification engine: model files in, compiled models out. Pure apart from reading a
 * model file or preset from disk in `loadModelSource`.
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ConfigError } from '../errors.ts';
import type { CompiledModel } from '../model.ts';
import { compileModel } from './compile.ts';
import { checkModelText, ModelError, parseModelText, type ModelProblem } from './parse.ts';

export { compileModel, evalContext, modelVersion } from './compile.ts';
export { ModelError, formatProblem, parseModelText, type ModelProblem } from './parse.ts';
export { LIMITS } from './limits.ts';
export { minimumText, stageMinimums, type ScoreMinimum } from './minimums.ts';
export { modelReads, type ModelReads, type ReadSite } from './reads.ts';
export { modelJsonSchema, type ModelFile } from './schema.ts';

export const DEFAULT_PRESET = 'hubspot-lifecycle';
const PRESET_DIR = join(dirname(fileURLToPath(import.meta.url)), 'presets');

export function compileModelText(text: string, file: string): CompiledModel {
  return compileModel(parseModelText(text, file));
}

/** A model compiled, with the warnings `rules check` prints; throws ModelError listing every problem. */
export function checkModel(text: string, file: string): { model: CompiledModel; warnings: ModelProblem[] } {
  const r = checkModelText(text, file);
  if (!r.model) throw new ModelError(r.problems);
  return { model: compileModel(r.model), warnings: r.warnings };
}

export interface ModelSource {
  /** What the admin gave: a file path or `preset:NAME`. */
  ref: string;
  /** Where the text came from, for error locations. */
  file: string;
  text: string;
}

export async function listPresets(): Promise<string[]> {
  const files = await readdir(PRESET_DIR);
  return files
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/** Reads a model file or a shipped preset (`preset:NAME`). */
export async function loadModelSource(ref: string): Promise<ModelSource> {
  if (ref.startsWith('preset:')) {
    const name = ref.slice('preset:'.length);
    const presets = await listPresets();
    if (!presets.includes(name)) {
      throw new ConfigError(`unknown preset "${name}"; presets are ${presets.join(', ')}`);
    }
    const file = join(PRESET_DIR, `${name}.yaml`);
    return { ref, file: `preset:${name}`, text: await readFile(file, 'utf8') };
  }
  try {
    return { ref, file: ref, text: await readFile(ref, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `model file ${ref} does not exist`
        : `cannot read model file ${ref}: ${code ?? String(err)}`,
    );
  }
}

export async function loadModel(ref: string): Promise<{ source: ModelSource; model: CompiledModel }> {
  const source = await loadModelSource(ref);
  return { source, model: compileModelText(source.text, source.file) };
}
