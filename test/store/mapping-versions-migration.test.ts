/**
 * Migration 0011 starts the mapping history from what workspaces hold: each workspace's own mapping
 * becomes one entry linked to its newest model version; a workspace on the defaults gets none.
 */
import { describe, expect, it } from 'vitest';

import { loadMigrations, migrate } from '../../src/store/migrate.ts';
import { openPglite } from '../../src/store/pglite-db.ts';

describe('when migration 0011 runs on a database with saved mappings', () => {
  it('should record each own mapping once, with the model version in use', async () => {
    const db = await openPglite();
    try {
      const all = await loadMigrations();
      await migrate(
        db,
        all.filter((m) => m.version < 11),
      );
      const insert = `INSERT INTO workspaces (id, name, source_vendor, crm_vendor, model_text, model_ref, model_version, mappings)
        VALUES ($1, $1, 'hubspot', NULL, 'name: m', 'm.yaml', 'v1', $2::jsonb)`;
      await db.query(insert, ['own', JSON.stringify({ hubspot: { text: 'stages: {}', savedAt: 'x' } })]);
      await db.query(insert, ['plain', '{}']);
      await db.query(
        `INSERT INTO model_versions (workspace_id, version, ref, text, actor) VALUES
         ('own', 'v0', 'm.yaml', 'name: m0', 'api'), ('own', 'v1', 'm.yaml', 'name: m', 'api')`,
      );
      const { rows: models } = await db.query<{ id: string }>(
        "SELECT max(id) AS id FROM model_versions WHERE workspace_id = 'own'",
      );
      await migrate(db, all);
      const { rows } = await db.query<{
        workspace_id: string;
        vendor: string;
        text: string;
        model_version_id: string;
      }>('SELECT workspace_id, vendor, text, model_version_id FROM mapping_versions');
      expect(rows.map((r) => ({ ...r, model_version_id: Number(r.model_version_id) }))).toEqual([
        {
          workspace_id: 'own',
          vendor: 'hubspot',
          text: 'stages: {}',
          model_version_id: Number(models[0]!.id),
        },
      ]);
    } finally {
      await db.close();
    }
  });
});
