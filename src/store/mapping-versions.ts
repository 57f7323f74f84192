/**
 * The mappings a workspace has saved, per vendor, each linked to the model version in use when it
 * was saved: `mapping history` lists them, and a model rollback restores the mapping that went with
 * the model it goes back to. Rows are appended by WorkspaceRepo.setMapping, never edited.
 */
import type { Db } from './db.ts';
import { iso } from './rows.ts';

export interface MappingVersion {
  /** Increasing per store: the order of saves. */
  id: number;
  workspaceId: string;
  vendor: string;
  /** The YAML text saved; null for a reset to the vendor default. */
  text: string | null;
  /** The model version in use when this mapping was saved (null if that version was deleted). */
  modelVersionId: number | null;
  /** `cli:<user>`, `web`, `api`, `rollback`, `migration`. */
  actor: string;
  savedAt: string;
}

interface MappingVersionRow {
  id: string | number;
  workspace_id: string;
  vendor: string;
  text: string | null;
  model_version_id: string | number | null;
  actor: string;
  saved_at: Date;
}

function toVersion(r: MappingVersionRow): MappingVersion {
  return {
    id: Number(r.id),
    workspaceId: r.workspace_id,
    vendor: r.vendor,
    text: r.text,
    modelVersionId: r.model_version_id === null ? null : Number(r.model_version_id),
    actor: r.actor,
    savedAt: iso(r.saved_at),
  };
}

/** One history entry, linked to the workspace's current model version (its newest). */
export async function appendMappingVersion(
  db: Db,
  workspaceId: string,
  vendor: string,
  text: string | null,
  actor: string,
): Promise<void> {
  await db.query(
    `INSERT INTO mapping_versions (workspace_id, vendor, text, model_version_id, actor)
     SELECT $1, $2, $3, (SELECT max(id) FROM model_versions WHERE workspace_id = $1), $4`,
    [workspaceId, vendor, text, actor],
  );
}

export class MappingVersionRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** Newest first; one vendor's, or every vendor's when `vendor` is omitted. */
  async list(workspaceId: string, vendor?: string, limit = 100): Promise<MappingVersion[]> {
    const { rows } = await this.db.query<MappingVersionRow>(
      `SELECT * FROM mapping_versions WHERE workspace_id = $1 AND ($2::text IS NULL OR vendor = $2)
       ORDER BY id DESC LIMIT $3`,
      [workspaceId, vendor ?? null, limit],
    );
    return rows.map(toVersion);
  }

  /**
   * The mapping for `vendor` in use when model version `modelVersionId` was the workspace's model
   * (the last one saved while it was current, or before): null when none was ever saved then, which
   * means the vendor default. Model version ids only grow, so "saved with it or an earlier one".
   */
  async atModelVersion(
    workspaceId: string,
    vendor: string,
    modelVersionId: number,
  ): Promise<MappingVersion | null> {
    const { rows } = await this.db.query<MappingVersionRow>(
      `SELECT * FROM mapping_versions WHERE workspace_id = $1 AND vendor = $2 AND model_version_id <= $3
       ORDER BY id DESC LIMIT 1`,
      [workspaceId, vendor, modelVersionId],
    );
    return rows[0] ? toVersion(rows[0]) : null;
  }
}
