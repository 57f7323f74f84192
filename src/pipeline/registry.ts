/**
 * Where the pipeline looks connectors up, by vendor string. The process-wide `defaultRegistry` is
 * filled at start-up (`registerConnector(hubspot)`…); tests build their own with `createRegistry()`.
 */
import { ConfigError } from '../errors.ts';

import type { ConnectorDefinition, CrmConnectorDefinition, SourceConnectorDefinition } from './ports.ts';

export class ConnectorRegistry {
  private readonly sources = new Map<string, SourceConnectorDefinition>();
  private readonly crms = new Map<string, CrmConnectorDefinition>();

  /** Registers (or replaces) the definition for its vendor and kind. */
  register(def: ConnectorDefinition): this {
    if (def.kind === 'source') this.sources.set(def.vendor, def);
    else this.crms.set(def.vendor, def);
    return this;
  }

  sourceConnector(vendor: string): SourceConnectorDefinition {
    const def = this.sources.get(vendor);
    if (!def) {
      throw new ConfigError(
        `no source connector for "${vendor}" (known: ${this.list('source').join(', ') || 'none'})`,
      );
    }
    return def;
  }

  crmConnector(vendor: string): CrmConnectorDefinition {
    const def = this.crms.get(vendor);
    if (!def) {
      throw new ConfigError(
        `no CRM connector for "${vendor}" (known: ${this.list('crm').join(', ') || 'none'})`,
      );
    }
    return def;
  }

  has(kind: ConnectorDefinition['kind'], vendor: string): boolean {
    return (kind === 'source' ? this.sources : this.crms).has(vendor);
  }

  list(kind: ConnectorDefinition['kind']): string[] {
    return [...(kind === 'source' ? this.sources : this.crms).keys()].sort();
  }
}

export function createRegistry(defs: ConnectorDefinition[] = []): ConnectorRegistry {
  const registry = new ConnectorRegistry();
  for (const def of defs) registry.register(def);
  return registry;
}

export const defaultRegistry = new ConnectorRegistry();

export function registerConnector(def: ConnectorDefinition): void {
  defaultRegistry.register(def);
}

export function sourceConnector(vendor: string): SourceConnectorDefinition {
  return defaultRegistry.sourceConnector(vendor);
}

export function crmConnector(vendor: string): CrmConnectorDefinition {
  return defaultRegistry.crmConnector(vendor);
}
