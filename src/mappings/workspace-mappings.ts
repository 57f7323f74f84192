/**
 * Per-workspace mappings: which vendor field feeds each fact the model reads, which vendor value
 * stands for each stage, what is written back. A workspace may hold its own mapping per vendor in
 * `workspaces.mappings`; otherwise the vendor's shipped default (`mappings/<vendor>.yaml`) applies.
 * The CLI (`leadstage mapping`), the JSON API and the web console all go through here. The vendor's
 * format comes from its connector definition (`MappingFormat`), so the core names no vendor.
 */
import { isMap, parseDocument, parse as parseYaml } from 'yaml';

import { ConfigError, ValidationError } from '../errors.ts';
import type { MappingFormat, MappingOutline } from '../pipeline/ports.ts';
import { releaseOffers, type ReleaseOffer } from '../pipeline/quarantine.ts';
import type { ConnectorRegistry } from '../pipeline/registry.ts';
import type { Store, Workspace } from '../store/index.ts';

export type MappingRole = 'source' | 'crm';

/** The mapping a workspace uses for one vendor. */
export interface WorkspaceMapping {
  vendor: string;
  role: MappingRole;
  /** `workspace`: saved for this workspace; `default`: the vendor's shipped mapping. */
  origin: 'workspace' | 'default';
  /** The YAML text, comments included. */
  text: string;
  /** When the workspace's own mapping was saved (null for the default). */
  savedAt: string | null;
  outline: MappingOutline;
}

/**
 * A mapping just saved or reset, with the quarantined causes the change may have fixed (a stage
 * the vendor refused, a field it lacked): each door offers to release them.
 */
export interface SavedMapping {
  mapping: WorkspaceMapping;
  quarantined: ReleaseOffer[];
}

export interface MappingDeps {
  store: Store;
  registry: ConnectorRegistry;
}

/** A mapping text is a YAML file of a few KB; this bounds what a request can make us parse. */
export const MAX_MAPPING_BYTES = 256 * 1024;

interface StoredMapping {
  text: string;
  savedAt: string;
}

function stored(ws: Workspace, vendor: string): StoredMapping | undefined {
  const entry = ws.mappings[vendor];
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { text, savedAt } = entry as Record<string, unknown>;
  return typeof text === 'string' ? { text, savedAt: typeof savedAt === 'string' ? savedAt : '' } : undefined;
}

/** The workspace's vendors and their roles, source first. */
export function workspaceVendors(ws: Workspace): { vendor: string; role: MappingRole }[] {
  return [
    { vendor: ws.sourceVendor, role: 'source' as const },
    ...(ws.crmVendor ? [{ vendor: ws.crmVendor, role: 'crm' as const }] : []),
  ];
}

function roleOf(ws: Workspace, vendor: string): MappingRole {
  const found = workspaceVendors(ws).find((v) => v.vendor === vendor);
  if (!found) {
    const known = workspaceVendors(ws)
      .map((v) => v.vendor)
      .join(', ');
    throw new ValidationError(`workspace "${ws.name}" uses ${known}, not "${vendor}"`);
  }
  return found.role;
}

function formatOf(registry: ConnectorRegistry, vendor: string, role: MappingRole): MappingFormat {
  const def = role === 'source' ? registry.sourceConnector(vendor) : registry.crmConnector(vendor);
  if (!def.mapping) throw new ConfigError(`the ${vendor} connector has no mapping file format`);
  return def.mapping;
}

/** Where a mapping text is said to come from in error messages (no server path). */
export function mappingSource(ws: Workspace, vendor: string): string {
  return `${ws.name}/${vendor}.yaml`;
}

/** The text a sync of this workspace uses for `vendor`: its own mapping, else undefined (the default). */
export function workspaceMappingText(ws: Workspace, vendor: string): string | undefined {
  return stored(ws, vendor)?.text;
}

/**
 * The effective mapping for one vendor of the workspace. A stored mapping that no longer validates
 * (the format grew stricter) throws its problems, as saving it would.
 */
export function effectiveMapping(
  deps: Pick<MappingDeps, 'registry'>,
  ws: Workspace,
  vendor: string,
): WorkspaceMapping {
  const role = roleOf(ws, vendor);
  const format = formatOf(deps.registry, vendor, role);
  const own = stored(ws, vendor);
  if (own) {
    return {
      vendor,
      role,
      origin: 'workspace',
      text: own.text,
      savedAt: own.savedAt || null,
      outline: format.outline(own.text, mappingSource(ws, vendor)),
    };
  }
  const text = format.defaultText();
  return {
    vendor,
    role,
    origin: 'default',
    text,
    savedAt: null,
    outline: format.outline(text, `mappings/${vendor}.yaml`),
  };
}

/** Every vendor's effective mapping, source first. */
export function effectiveMappings(deps: Pick<MappingDeps, 'registry'>, ws: Workspace): WorkspaceMapping[] {
  return workspaceVendors(ws).map(({ vendor }) => effectiveMapping(deps, ws, vendor));
}

/**
 * Checks a mapping text without saving it. Throws ValidationError listing each problem as
 * `workspace/vendor.yaml:LINE: field.path: message`.
 */
export function validateMapping(
  deps: Pick<MappingDeps, 'registry'>,
  ws: Workspace,
  vendor: string,
  text: string,
): MappingOutline {
  if (Buffer.byteLength(text, 'utf8') > MAX_MAPPING_BYTES) {
    throw new ValidationError(`the ${vendor} mapping is larger than ${MAX_MAPPING_BYTES / 1024} KB`);
  }
  const format = formatOf(deps.registry, vendor, roleOf(ws, vendor));
  try {
    return format.outline(text, mappingSource(ws, vendor));
  } catch (err) {
    // The formats throw ConfigError or ValidationError; both mean "this text is wrong" here.
    if (err instanceof ConfigError) throw new ValidationError(err.message);
    throw err;
  }
}

/** Validates and saves the workspace's own mapping for `vendor`; the next sync uses it. */
export async function saveMapping(
  deps: MappingDeps,
  ws: Workspace,
  vendor: string,
  text: string,
  actor = 'api',
  now: Date = new Date(),
): Promise<SavedMapping> {
  validateMapping(deps, ws, vendor, text);
  const updated = await deps.store.workspaces.setMapping(ws.id, vendor, text, {
    actor,
    savedAt: now.toISOString(),
  });
  return saved(deps, updated, vendor);
}

async function saved(deps: MappingDeps, ws: Workspace, vendor: string): Promise<SavedMapping> {
  return { mapping: effectiveMapping(deps, ws, vendor), quarantined: await releaseOffers(deps.store, ws) };
}

/** Drops the workspace's own mapping for `vendor`: the vendor default applies again. */
export async function resetMapping(
  deps: MappingDeps,
  ws: Workspace,
  vendor: string,
  actor = 'api',
): Promise<SavedMapping> {
  roleOf(ws, vendor);
  const updated = await deps.store.workspaces.setMapping(ws.id, vendor, null, {
    actor,
    savedAt: new Date().toISOString(),
  });
  return saved(deps, updated, vendor);
}

const PATH_PART = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Sets one entry of the workspace's mapping for `vendor`, keeping the rest of the text and its
 * comments: `path` is dot-separated below the root (`stages.tsql`, `contactProperties.budget`),
 * `valueText` a YAML value (`marketingqualifiedlead`, `{ property: bant_budget, type: number }`).
 * Starts from the effective mapping, so the first `set` copies the vendor default.
 */
export async function setMappingEntry(
  deps: MappingDeps,
  ws: Workspace,
  vendor: string,
  path: string,
  valueText: string,
  actor = 'api',
): Promise<SavedMapping> {
  const parts = path.split('.');
  if (parts.length === 0 || parts.length > 8 || !parts.every((p) => PATH_PART.test(p))) {
    throw new ValidationError(
      `"${path}" is not a mapping path such as stages.tsql or contactProperties.budget`,
    );
  }
  let value: unknown;
  try {
    value = parseYaml(valueText);
  } catch (err) {
    throw new ValidationError(`value for ${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const doc = parseDocument(effectiveMapping(deps, ws, vendor).text);
  if (!isMap(doc.contents)) throw new ValidationError(`the ${vendor} mapping is not a YAML mapping`);
  doc.setIn(parts, doc.createNode(value, { flow: typeof value === 'object' && value !== null }));
  return saveMapping(deps, ws, vendor, doc.toString(), actor);
}
