/** Reads what the funnel report needs from the store: stays, current stages, deal amounts. */
import { workspaceModel } from '../pipeline/engine.ts';
import { SALES_FACTS } from '../model.ts';
import type { Store } from '../store/index.ts';
import { buildFunnel, type FunnelInput, type FunnelReport } from './funnel.ts';
import type { FunnelFormat } from './render-text.ts';
import { toNumber } from '../qualification/values.ts';

export type FunnelOptions = Pick<
  FunnelInput,
  'wonStage' | 'dealSize' | 'defaultDealSize' | 'monthlyLeads' | 'budget' | 'costPerLead' | 'since'
>;

const PAGE = 2000;

export async function loadFunnel(
  store: Store,
  workspace: string,
  options: FunnelOptions = {},
  now = new Date(),
): Promise<{
  report: FunnelReport;
  modelName: string;
  workspaceName: string;
  /** How the model wants it shown: its language and currency. */
  format: FunnelFormat;
}> {
  const ws = await store.workspaces.require(workspace);
  const model = await workspaceModel(ws);
  const history = await store.decisions.stays(ws.id);

  const current = new Map<string, string>();
  for (let after: string | undefined; ;) {
    const page = await store.decisions.page(ws.id, { ...(after ? { afterId: after } : {}), limit: PAGE });
    for (const d of page) current.set(d.contactId, d.stage);
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.contactId;
  }

  const amounts = new Map<string, number>();
  for (let after: string | undefined; ;) {
    const page = await store.contacts.page(ws.id, { ...(after ? { afterId: after } : {}), limit: PAGE });
    for (const c of page) {
      const amount = toNumber(c.salesFacts[SALES_FACTS.amount]);
      if (amount !== undefined) amounts.set(c.id, amount);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }

  const ownerMoments = await store.ownership.moments(ws.id);
  const report = buildFunnel({
    stages: model.stages,
    history,
    current,
    amounts,
    now,
    ownerMoments,
    ...options,
  });
  const format = { locale: model.locale ?? 'en', currency: model.currency ?? 'USD' } as const;
  return { report, modelName: model.name, workspaceName: ws.name, format };
}
