/**
 * Playing sales in the sandbox org: what reps do to handed-off Leads (work them, qualify or
 * disqualify them, convert them) and to Opportunities (open, win, lose). Deterministic for a seed.
 */
import { seededRandom } from '../../sandbox-data.ts';
import { ApiError, type SandboxOrg, type SfRecord } from './org.ts';
import { OPPORTUNITY_STAGES } from './schema.ts';

const EXT_ID = 'Leadstage_External_Id__c';
const DAY = 86_400_000;

export type SalesAction = 'working' | 'qualified' | 'disqualified' | 'converted' | 'won';

export interface PlayResult {
  considered: number;
  acted: { leadId: string; externalId: string; action: SalesAction }[];
  counts: Record<SalesAction, number>;
}

export interface OpenOpportunity {
  /** The Contact the Opportunity is for (its primary contact). */
  contactId: string;
  amount?: number;
  stageName?: string;
  /** YYYY-MM-DD; defaults to 30 days from now. */
  closeDate?: string;
  name?: string;
}

export class SandboxSales {
  private readonly org: SandboxOrg;
  private readonly now: () => number;
  constructor(org: SandboxOrg, now: () => number) {
    this.org = org;
    this.now = now;
  }

  /** A Lead by its record id or by the external id leadstage handed it off with. */
  lead(idOrExternalId: string): SfRecord {
    const byId = this.org.get('Lead', idOrExternalId);
    if (byId) return byId;
    // The index matches ignoring case; the external id must match exactly. First in creation order.
    const byExt = this.org
      .lookup('Lead', EXT_ID, idOrExternalId)
      .map((id) => this.org.records.Lead.get(id)!)
      .find((l) => l[EXT_ID] === idOrExternalId);
    if (!byExt) throw new ApiError(404, 'NOT_FOUND', `no Lead ${idOrExternalId}`);
    return byExt;
  }

  leads(): SfRecord[] {
    return [...this.org.records.Lead.values()];
  }

  record(type: 'Lead' | 'Contact' | 'Account' | 'Opportunity', id: string): SfRecord | undefined {
    return this.org.get(type, id);
  }

  convertLead(idOrExternalId: string, options: { createOpportunity?: boolean; amount?: number } = {}) {
    return this.org.convertLead(String(this.lead(idOrExternalId).Id), options);
  }

  setLeadStatus(idOrExternalId: string, status: string): void {
    const problem = this.org.update('Lead', String(this.lead(idOrExternalId).Id), { Status: status });
    if (problem) throw new ApiError(400, problem.statusCode, problem.message, problem.fields);
  }

  disqualifyLead(idOrExternalId: string): void {
    this.setLeadStatus(idOrExternalId, 'Closed - Not Converted');
  }

  openOpportunity(input: OpenOpportunity): string {
    const contact = this.org.get('Contact', input.contactId);
    if (!contact) throw new ApiError(404, 'NOT_FOUND', `no Contact ${input.contactId}`);
    const created = this.org.insert(
      'Opportunity',
      {
        Name: input.name ?? `${String(contact.LastName)} opportunity`,
        AccountId: contact.AccountId ?? null,
        StageName: input.stageName ?? 'Prospecting',
        CloseDate: input.closeDate ?? new Date(this.now() + 30 * DAY).toISOString().slice(0, 10),
        ...(input.amount !== undefined ? { Amount: input.amount } : {}),
      },
      { ContactId: input.contactId },
    );
    return this.org.must(created, 'Opportunity').id;
  }

  private setStage(id: string, stageName: string, amount?: number): void {
    const problem = this.org.update('Opportunity', id, {
      StageName: stageName,
      Probability: OPPORTUNITY_STAGES.find((s) => s.name === stageName)?.probability ?? null,
      ...(amount !== undefined ? { Amount: amount } : {}),
    });
    if (problem) {
      throw new ApiError(
        problem.statusCode === 'ENTITY_IS_DELETED' ? 404 : 400,
        problem.statusCode,
        problem.message,
      );
    }
  }

  winOpportunity(id: string, amount?: number): void {
    this.setStage(id, 'Closed Won', amount);
  }

  loseOpportunity(id: string): void {
    this.setStage(id, 'Closed Lost');
  }

  /**
   * Acts on about `fraction` of the handed-off Leads not yet converted, in Id order, so the same
   * seed on the same data always touches the same Leads the same way.
   */
  playSales(fraction: number, seed: number): PlayResult {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new ApiError(400, 'INVALID_ARGUMENT', 'fraction must be between 0 and 1');
    }
    const rand = seededRandom(seed);
    const candidates = this.leads()
      .filter((l) => l[EXT_ID] && !l.IsConverted)
      .sort((a, b) => (String(a.Id) < String(b.Id) ? -1 : 1));
    const result: PlayResult = {
      considered: candidates.length,
      acted: [],
      counts: { working: 0, qualified: 0, disqualified: 0, converted: 0, won: 0 },
    };
    const note = (lead: SfRecord, action: SalesAction) => {
      result.acted.push({ leadId: String(lead.Id), externalId: String(lead[EXT_ID]), action });
      result.counts[action]++;
    };
    for (const lead of candidates) {
      if (rand() >= fraction) continue;
      const r = rand();
      if (r < 0.3) {
        this.setLeadStatus(String(lead.Id), 'Working - Contacted');
        note(lead, 'working');
      } else if (r < 0.5) {
        this.setLeadStatus(String(lead.Id), 'Qualified');
        note(lead, 'qualified');
      } else if (r < 0.65) {
        this.disqualifyLead(String(lead.Id));
        note(lead, 'disqualified');
      } else {
        const amount = Math.round((5_000 + rand() * 45_000) / 100) * 100;
        const { opportunityId } = this.org.convertLead(String(lead.Id), { amount });
        note(lead, 'converted');
        if (opportunityId && rand() < 0.5) {
          this.winOpportunity(opportunityId);
          note(lead, 'won');
        }
      }
    }
    return result;
  }
}
