/**
 * Access to the qualification engine, loaded on first use so that the store, the CLI's other
 * commands and tests with hand-built models never depend on it.
 */
import { createHash } from 'node:crypto';

import type { CompiledModel } from '../model.ts';
import type * as Qualification from '../qualification/index.ts';
import type { Workspace } from '../store/index.ts';

import type { CompileModel } from './types.ts';

type Engine = typeof Qualification;

let engine: Promise<Engine> | undefined;

export function loadEngine(): Promise<Engine> {
  engine ??= import('../qualification/index.ts');
  return engine;
}

export const defaultCompileModel = async (text: string, file: string): Promise<CompiledModel> =>
  (await loadEngine()).compileModelText(text, file);

const compiled = new Map<string, CompiledModel>();

/** The workspace's saved model, compiled (and cached by content, since webhooks re-qualify often). */
export async function workspaceModel(workspace: Workspace, compile?: CompileModel): Promise<CompiledModel> {
  const key = createHash('sha256')
    .update(workspace.model.ref)
    .update('\0')
    .update(workspace.model.text)
    .digest('hex');
  const cacheKey = compile ? undefined : key;
  const hit = cacheKey ? compiled.get(cacheKey) : undefined;
  if (hit) return hit;
  const model = compile
    ? compile(workspace.model.text, workspace.model.ref)
    : await defaultCompileModel(workspace.model.text, workspace.model.ref);
  if (cacheKey) {
    if (compiled.size > 100) compiled.clear();
    compiled.set(cacheKey, model);
  }
  return model;
}
