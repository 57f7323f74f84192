/** Workspaces: one source, one CRM, one qualification model, mappings and a schedule. */
import { randomUUID } from 'node:crypto';

import { ConfigError, ValidationError } from '../errors.ts';

import type { Db } from './db.ts';
import type { Sealer } from './encryption.ts';
import { appendMappingVersion } from './mapping-versions.ts';
import { appendModelVersion, type ModelNote } from './model-versions.ts';
import { iso, json } from './rows.ts';

export interface WorkspaceModel {
  /** The model file's text as saved (YAML). */
  text: string;
  /** Where it came from: a file path or `preset:NAME`. */
  ref: string;
  /** The compiled model's content hash. */
  version: string;
}

export interface Workspace {
  id: string;
  name: string;
  sourceVendor: string;
  crmVendor: string | null;
  sourceConnectionId: string | null;
  crmConnectionId: string | null;
  model: WorkspaceModel;
  /** Model version all stored contacts were last qualified with (null before the first run). */
  qualifiedModelVersion: string | null;
  mappings: Record<string, unknown>;
  settings: Record<string, unknown>;
  scheduleIntervalMinutes: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewWorkspace {
  name: string;
  sourceVendor: string;
  crmVendor?: string | null;
  model: WorkspaceModel;
  mappings?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  /** @default 15 */
  scheduleIntervalMinutes?: number;
  /** Who created it and why: the first entry of the model history. */
  note?: ModelNote;
}

interface WorkspaceRow {
  id: string;
  name: string;
  source_vendor: string;
  crm_vendor: string | null;
  source_connection_id: string | null;
  crm_connection_id: string | null;
  model_text: string;
  model_ref: string;
  model_version: string;
  qualified_model_version: string | null;
  mappings: Record<string, unknown>;
  settings: Record<string, unknown>;
  schedule_interval_minutes: number;
  created_at: Date;
  updated_at: Date;
}

function toWorkspace(r: WorkspaceRow): Workspace {
  return {
    id: r.id,
    name: r.name,
    sourceVendor: r.source_vendor,
    crmVendor: r.crm_vendor,
    sourceConnectionId: r.source_connection_id,
    crmConnectionId: r.crm_connection_id,
    model: { text: r.model_text, ref: r.model_ref, version: r.model_version },
    qualifiedModelVersion: r.qualified_model_version,
    mappings: r.mappings,
    settings: r.settings,
    scheduleIntervalMinutes: r.schedule_interval_minutes,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export class WorkspaceRepo {
  private readonly db: Db;
  private readonly sealer: Sealer;

  constructor(db: Db, sealer: Sealer) {
    this.db = db;
    this.sealer = sealer;
  }

  /**
   * Seals a secret setting of a workspace (its SLA webhook URL) for `settings`: sealed at rest like
   * connection credentials, bound to the workspace and the purpose, so a value copied to another
   * workspace or setting does not open.
   */
  sealSecret(workspaceId: string, purpose: string, plaintext: string): string {
    return this.sealer.seal(plaintext, `workspace:${workspaceId}:${purpose}`);
  }

  openSecret(workspaceId: string, purpose: string, sealed: string): string {
    return this.sealer.open(sealed, `workspace:${workspaceId}:${purpose}`);
  }

  async create(input: NewWorkspace): Promise<Workspace> {
    if (!WORKSPACE_NAME.test(input.name)) {
      throw new ValidationError(
        `workspace name "${input.name}" must be 1-63 letters, digits, "_", "." or "-", starting with a letter or digit`,
      );
    }
    const interval = input.scheduleIntervalMinutes ?? 15;
    if (!Number.isInteger(interval) || interval <= 0) {
      throw new ValidationError(`scheduleIntervalMinutes must be a positive integer, got ${interval}`);
    }
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<WorkspaceRow>(
        `INSERT INTO workspaces (id, name, source_vendor, crm_vendor, model_text, model_ref, model_version,
                               mappings, settings, schedule_interval_minutes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10)
       ON CONFLICT (name) DO NOTHING
       RETURNING *`,
        [
          randomUUID(),
          input.name,
          input.sourceVendor,
          input.crmVendor ?? null,
          input.model.text,
          input.model.ref,
          input.model.version,
          json(input.mappings ?? {}),
          json(input.settings ?? {}),
          interval,
        ],
      );
      if (!rows[0]) throw new ValidationError(`workspace "${input.name}" already exists`);
      const created = toWorkspace(rows[0]);
      await appendModelVersion(tx, created.id, created.model, {
        comment: input.note?.comment ?? 'created',
        ...(input.note?.actor ? { actor: input.note.actor } : {}),
      });
      return created;
    });
  }

  /** By id or by name. */
  async get(idOrName: string): Promise<Workspace | null> {
    const { rows } = await this.db.query<WorkspaceRow>(
      'SELECT * FROM workspaces WHERE id = $1 OR name = $1 ORDER BY (id = $1) DESC LIMIT 1',
      [idOrName],
    );
    return rows[0] ? toWorkspace(rows[0]) : null;
  }

  async require(idOrName: string): Promise<Workspace> {
    const ws = await this.get(idOrName);
    if (!ws) throw new ConfigError(`no workspace "${idOrName}"`);
    return ws;
  }

  async list(): Promise<Workspace[]> {
    const { rows } = await this.db.query<WorkspaceRow>('SELECT * FROM workspaces ORDER BY name');
    return rows.map(toWorkspace);
  }

  /** Sets the model and appends it to the workspace's model history, in one transaction. */
  async setModel(id: string, model: WorkspaceModel, note: ModelNote = {}): Promise<Workspace> {
    return this.db.transaction(async (tx) => {
      const updated = await updateReturning(tx, 'model_text = $2, model_ref = $3, model_version = $4', [
        id,
        model.text,
        model.ref,
        model.version,
      ]);
      await appendModelVersion(tx, id, model, note);
      return updated;
    });
  }

  /**
   * Saves the workspace's own mapping for `vendor` (null: back to the vendor default) and appends
   * it to the mapping history, linked to the current model version, in one transaction.
   */
  async setMapping(
    id: string,
    vendor: string,
    text: string | null,
    note: { actor: string; savedAt: string },
  ): Promise<Workspace> {
    return this.db.transaction(async (tx) => {
      const updated =
        text === null
          ? await updateReturning(tx, 'mappings = mappings - $2', [id, vendor])
          : await updateReturning(tx, 'mappings = jsonb_set(mappings, ARRAY[$2::text], $3::jsonb)', [
              id,
              vendor,
              json({ text, savedAt: note.savedAt }),
            ]);
      await appendMappingVersion(tx, id, vendor, text, note.actor);
      return updated;
    });
  }

  /** Records that every stored contact has been qualified with `modelVersion`. */
  async markQualified(id: string, modelVersion: string): Promise<void> {
    await this.db.query('UPDATE workspaces SET qualified_model_version = $2 WHERE id = $1', [
      id,
      modelVersion,
    ]);
  }

  async setConnection(id: string, role: 'source' | 'crm', connectionId: string | null): Promise<Workspace> {
    const column = role === 'source' ? 'source_connection_id' : 'crm_connection_id';
    return this.updateReturning(`${column} = $2`, [id, connectionId]);
  }

  async update(
    id: string,
    changes: {
      mappings?: Record<string, unknown>;
      settings?: Record<string, unknown>;
      scheduleIntervalMinutes?: number;
    },
  ): Promise<Workspace> {
    const current = await this.require(id);
    return this.updateReturning(
      'mappings = $2::jsonb, settings = $3::jsonb, schedule_interval_minutes = $4',
      [
        current.id,
        json(changes.mappings ?? current.mappings),
        json(changes.settings ?? current.settings),
        changes.scheduleIntervalMinutes ?? current.scheduleIntervalMinutes,
      ],
    );
  }

  /**
   * Merges `patch` into `settings.<key>` in one statement, so two admins changing different
   * settings at once both keep their change (a read-modify-write would lose one).
   */
  async mergeSettings(id: string, key: string, patch: Record<string, unknown>): Promise<Workspace> {
    return this.updateReturning(
      `settings = jsonb_set(settings, ARRAY[$2::text], COALESCE(settings -> $2::text, '{}'::jsonb) || $3::jsonb)`,
      [id, key, json(patch)],
    );
  }

  /** Deletes the workspace with everything stored for it (contacts, decisions, runs, cursors…). */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // Cursors name their owner without a foreign key (the owner may be a connection).
      await tx.query(`DELETE FROM cursors WHERE owner_kind = 'workspace' AND owner_id = $1`, [id]);
      const { rowCount } = await tx.query('DELETE FROM workspaces WHERE id = $1', [id]);
      return rowCount > 0;
    });
  }

  private updateReturning(set: string, params: unknown[]): Promise<Workspace> {
    return updateReturning(this.db, set, params);
  }
}

async function updateReturning(db: Db, set: string, params: unknown[]): Promise<Workspace> {
  const { rows } = await db.query<WorkspaceRow>(
    `UPDATE workspaces SET ${set}, updated_at = now() WHERE id = $1 RETURNING *`,
    params,
  );
  if (!rows[0]) throw new ConfigError(`no workspace with id "${String(params[0])}"`);
  return toWorkspace(rows[0]);
}
