/**
 * Connections to vendor accounts, with their credentials sealed at rest. `credentialStore(id)` is
 * what a connector receives: it decrypts on read and refreshes under a per-connection lock.
 */
import { randomUUID } from 'node:crypto';

import type { ConnectionInfo, CredentialStore, Credentials } from '../pipeline/ports.ts';
import { AuthError, ConfigError } from '../errors.ts';
import type { Vendor } from '../model.ts';

import type { Db } from './db.ts';
import type { Sealer } from './encryption.ts';
import { iso, isoOrNull, json } from './rows.ts';

export type ConnectionStatus = 'active' | 'needs_reconnect';

/** A connection as the admin sees it: never the credentials themselves. */
export interface Connection {
  id: string;
  vendor: string;
  accountId: string | null;
  baseUrl: string;
  scopes: string[];
  config: Record<string, unknown>;
  hasCredentials: boolean;
  expiresAt: string | null;
  status: ConnectionStatus;
  statusMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewConnection {
  vendor: string;
  baseUrl: string;
  accountId?: string | null;
  scopes?: string[];
  config?: Record<string, unknown>;
  credentials?: Credentials;
}

interface ConnectionRow {
  id: string;
  vendor: string;
  account_id: string | null;
  base_url: string;
  scopes: string[];
  config: Record<string, unknown>;
  credentials_sealed: string | null;
  expires_at: Date | null;
  status: ConnectionStatus;
  status_message: string | null;
  created_at: Date;
  updated_at: Date;
}

function toConnection(r: ConnectionRow): Connection {
  return {
    id: r.id,
    vendor: r.vendor,
    accountId: r.account_id,
    baseUrl: r.base_url,
    scopes: r.scopes,
    config: r.config,
    hasCredentials: r.credentials_sealed !== null,
    expiresAt: isoOrNull(r.expires_at),
    status: r.status,
    statusMessage: r.status_message,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function expiryOf(credentials: Credentials): string | null {
  return credentials.kind === 'oauth2' && credentials.expiresAt ? credentials.expiresAt : null;
}

export class ConnectionRepo {
  private readonly db: Db;
  private readonly sealer: Sealer;

  constructor(db: Db, sealer: Sealer) {
    this.db = db;
    this.sealer = sealer;
  }

  async create(input: NewConnection): Promise<Connection> {
    const id = randomUUID();
    const { rows } = await this.db.query<ConnectionRow>(
      `INSERT INTO connections (id, vendor, account_id, base_url, scopes, config, credentials_sealed, expires_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8) RETURNING *`,
      [
        id,
        input.vendor,
        input.accountId ?? null,
        input.baseUrl,
        json(input.scopes ?? []),
        json(input.config ?? {}),
        input.credentials ? this.sealer.seal(JSON.stringify(input.credentials), id) : null,
        input.credentials ? expiryOf(input.credentials) : null,
      ],
    );
    return toConnection(rows[0]!);
  }

  async get(id: string): Promise<Connection | null> {
    const { rows } = await this.db.query<ConnectionRow>('SELECT * FROM connections WHERE id = $1', [id]);
    return rows[0] ? toConnection(rows[0]) : null;
  }

  async require(id: string): Promise<Connection> {
    const c = await this.get(id);
    if (!c) throw new ConfigError(`no connection "${id}"`);
    return c;
  }

  /** The connection to an account, to reuse on reconnect instead of creating a second one. */
  async findByAccount(vendor: string, accountId: string): Promise<Connection | null> {
    const { rows } = await this.db.query<ConnectionRow>(
      'SELECT * FROM connections WHERE vendor = $1 AND account_id = $2 ORDER BY created_at LIMIT 1',
      [vendor, accountId],
    );
    return rows[0] ? toConnection(rows[0]) : null;
  }

  async list(): Promise<Connection[]> {
    const { rows } = await this.db.query<ConnectionRow>('SELECT * FROM connections ORDER BY created_at');
    return rows.map(toConnection);
  }

  async update(
    id: string,
    changes: {
      accountId?: string | null;
      baseUrl?: string;
      scopes?: string[];
      config?: Record<string, unknown>;
    },
  ): Promise<Connection> {
    const c = await this.require(id);
    const { rows } = await this.db.query<ConnectionRow>(
      `UPDATE connections SET account_id = $2, base_url = $3, scopes = $4::jsonb, config = $5::jsonb, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [
        id,
        changes.accountId === undefined ? c.accountId : changes.accountId,
        changes.baseUrl ?? c.baseUrl,
        json(changes.scopes ?? c.scopes),
        json(changes.config ?? c.config),
      ],
    );
    return toConnection(rows[0]!);
  }

  /** Saves new credentials (connect, reconnect, refresh) and marks the connection active again. */
  async saveCredentials(id: string, credentials: Credentials): Promise<void> {
    const { rowCount } = await this.db.query(
      `UPDATE connections SET credentials_sealed = $2, expires_at = $3, status = 'active', status_message = NULL,
              updated_at = now() WHERE id = $1`,
      [id, this.sealer.seal(JSON.stringify(credentials), id), expiryOf(credentials)],
    );
    if (rowCount === 0) throw new ConfigError(`no connection "${id}"`);
  }

  async readCredentials(id: string): Promise<Credentials> {
    const { rows } = await this.db.query<{ credentials_sealed: string | null; status: ConnectionStatus }>(
      'SELECT credentials_sealed, status FROM connections WHERE id = $1',
      [id],
    );
    const row = rows[0];
    if (!row) throw new ConfigError(`no connection "${id}"`);
    if (!row.credentials_sealed) {
      throw new AuthError(`connection ${id} has no credentials yet`, 'not_connected');
    }
    return JSON.parse(this.sealer.open(row.credentials_sealed, id)) as Credentials;
  }

  async markNeedsReconnect(id: string, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE connections SET status = 'needs_reconnect', status_message = $2, updated_at = now() WHERE id = $1`,
      [id, reason],
    );
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM connections WHERE id = $1', [id]);
    return rowCount > 0;
  }

  /** What a connector is told about its connection. */
  info(c: Connection): ConnectionInfo {
    return {
      id: c.id,
      vendor: c.vendor as Vendor,
      baseUrl: c.baseUrl,
      ...(c.accountId ? { accountId: c.accountId } : {}),
      config: c.config,
    };
  }

  credentialStore(id: string): CredentialStore {
    return {
      read: () => this.readCredentials(id),
      refresh: (refresh) =>
        this.db.exclusive(`leadstage:credentials:${id}`, async (locked) => {
          const repo = new ConnectionRepo(locked, this.sealer);
          // Read inside the lock: a holder before us may have refreshed already.
          const current = await repo.readCredentials(id);
          const next = await refresh(current);
          if (next !== current) await repo.saveCredentials(id, next);
          return next;
        }),
      markNeedsReconnect: (reason) => this.markNeedsReconnect(id, reason),
    };
  }
}
