/**
 * The models a workspace has used, in the order they were saved: the history the console lists,
 * diffs and rolls back to. Rows are appended by WorkspaceRepo when a model is set, never edited.
 */
import type { Db } from './db.ts';
import { iso } from './rows.ts';
import type { WorkspaceModel } from './workspaces.ts';

export interface ModelVersion extends WorkspaceModel {
  /** Increasing per store: the order of saves. */
  id: number;
  workspaceId: string;
  comment: string;
  /** `cli:<user>`, `web`, `api`, `migration`. */
  actor: string;
  savedAt: string;
}

/** Who saved a model and why, as the history shows it. */
export interface ModelNote {
  comment?: string;
  actor?: string;
}

interface ModelVersionRow {
  id: string | number;
  workspace_id: string;
  version: string;
  ref: string;
  text: string;
  comment: string;
  actor: string;
  saved_at: Date;
}

function toVersion(r: ModelVersionRow): ModelVersion {
  return {
    id: Number(r.id),
    workspaceId: r.workspace_id,
    version: r.version,
    ref: r.ref,
    text: r.text,
    comment: r.comment,
    actor: r.actor,
    savedAt: iso(r.saved_at),
  };
}

/** One history entry; a comment is short text, like a commit subject. */
export async function appendModelVersion(
  db: Db,
  workspaceId: string,
  model: WorkspaceModel,
  note: ModelNote = {},
): Promise<void> {
  await db.query(
    `INSERT INTO model_versions (workspace_id, version, ref, text, comment, actor)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      workspaceId,
      model.version,
      model.ref,
      model.text,
      (note.comment ?? '').slice(0, 500),
      note.actor ?? 'api',
    ],
  );
}

export class ModelVersionRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** Newest first, without the text (the list can be long; `get` reads one). */
  async list(workspaceId: string, limit = 100): Promise<Omit<ModelVersion, 'text'>[]> {
    const { rows } = await this.db.query<Omit<ModelVersionRow, 'text'>>(
      `SELECT id, workspace_id, version, ref, comment, actor, saved_at FROM model_versions
       WHERE workspace_id = $1 ORDER BY id DESC LIMIT $2`,
      [workspaceId, limit],
    );
    return rows.map((r) => {
      const { text: _text, ...rest } = toVersion({ ...r, text: '' });
      return rest;
    });
  }

  async get(workspaceId: string, id: number): Promise<ModelVersion | null> {
    const { rows } = await this.db.query<ModelVersionRow>(
      'SELECT * FROM model_versions WHERE workspace_id = $1 AND id = $2',
      [workspaceId, id],
    );
    return rows[0] ? toVersion(rows[0]) : null;
  }
}
