/**
 * What follows a grant, the same through every door (the console's and the API's OAuth callback,
 * `leadstage connect`): the credentials are stored and attached (attach.ts), the account the
 * workspace had before in this role is retired (retire.ts: tokens revoked, connection deleted), the
 * connection is probed (probe.ts: Mautic's stage write mode), and the doctor checks the workspace
 * against the vendor just connected. `beforeDoctor` lets the web app create the vendor schema first,
 * so the doctor does not report fields that ensureSchema is about to create.
 */
import { checkWorkspace, type CheckReport } from '../mappings/index.ts';
import type { ConnectorDeps } from '../pipeline/connectors.ts';
import type { Workspace } from '../store/index.ts';

import { attachConnection, type Grant } from './attach.ts';
import { probeConnection, type ProbeOutcome } from './probe.ts';
import { retireConnection, type RetireDeps, type Retirement } from './retire.ts';
import { type ConnectableVendor, roleOf } from './vendors.ts';

export type ConnectDeps = ConnectorDeps & RetireDeps;

export interface Connected {
  workspace: Workspace;
  connectionId: string;
  /** The workspace had another account in this role: it was retired like a disconnect. */
  replaced?: Retirement & { connectionId: string };
  /** What the on-connect probe found, null when the vendor has none. */
  probe: ProbeOutcome | null;
  doctor: CheckReport;
}

export async function connectAccount(
  deps: ConnectDeps,
  ws: Workspace,
  vendor: ConnectableVendor,
  grant: Grant,
  beforeDoctor?: (ws: Workspace, connectionId: string) => Promise<Workspace>,
): Promise<Connected> {
  const role = roleOf(vendor);
  const attached = await attachConnection(deps.store, ws, role, grant);
  deps.log.info('connection attached', {
    workspace: ws.name,
    vendor,
    account: grant.accountId,
    connection: attached.connectionId,
  });
  // Another account's tokens would otherwise stay stored, unused and valid.
  const previous = attached.previousConnectionId;
  const replaced = previous
    ? { connectionId: previous, ...(await retireConnection(deps, attached.workspace, vendor, previous)) }
    : undefined;
  const probe = await probeConnection(deps, attached.workspace, role);
  let workspace = attached.workspace;
  if (beforeDoctor) workspace = await beforeDoctor(workspace, attached.connectionId);
  const doctor = await checkWorkspace(deps, workspace);
  return {
    workspace,
    connectionId: attached.connectionId,
    ...(replaced ? { replaced } : {}),
    probe,
    doctor,
  };
}
