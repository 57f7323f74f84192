/**
 * The vendors leadstage ships with. Loaded on demand (the CLI's quick commands never pay for
 * jsforce and the HubSpot client) and registered into the process-wide registry once.
 */
import { defaultRegistry, type ConnectorRegistry } from '../src/pipeline/registry.ts';
import type { ConnectorDefinition } from '../src/pipeline/ports.ts';

export async function builtinConnectors(): Promise<ConnectorDefinition[]> {
  const [{ hubspotConnector }, { mauticConnector }, { salesforceConnector }] = await Promise.all([
    import('./hubspot/index.ts'),
    import('./mautic/index.ts'),
    import('./salesforce/index.ts'),
  ]);
  return [hubspotConnector, mauticConnector, salesforceConnector];
}

/** Adds the built-in vendors a registry does not have yet (a demo or a test may have put its own). */
export async function registerBuiltinConnectors(
  registry: ConnectorRegistry = defaultRegistry,
): Promise<ConnectorRegistry> {
  for (const def of await builtinConnectors()) {
    if (!registry.has(def.kind, def.vendor)) registry.register(def);
  }
  return registry;
}
