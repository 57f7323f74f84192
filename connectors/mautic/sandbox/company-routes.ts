/**
 * Companies in Mautic's wire format: `GET /api/companies` with the list parameters every Mautic
 * list takes (`search`, `where[]`, `start`, `limit`, `orderBy`), companies keyed by id and the total
 * as a string, like `GET /api/contacts` (API-NOTES §3.2; CommonApiController::getEntitiesAction
 * serves both).
 * Guesses (not in the notes, not checked against a running Mautic): each company's `fields` has
 * `core` and `professional` groups plus the flat `all` map with the core company aliases
 * (`companyname`, `companywebsite`, `companyindustry`, `companynumber_of_employees`,
 * `companyannual_revenue`, as Mautic's installer names them), and `where[]` columns are those aliases.
 */
import { sendErrors } from './auth.ts';
import { FilterError, matchesWhere } from './filters.ts';
import { list, parsePhpQuery, str } from './php-params.ts';
import { int, sendJson, type Handler, type RouteDeps } from './route-helpers.ts';
import { mauticIso, orderedObject } from './serialize.ts';
import type { SandboxCompany } from './state.ts';

const CORE = [
  'companyname',
  'companywebsite',
  'companyemail',
  'companyphone',
  'companycity',
  'companycountry',
];
const PROFESSIONAL = ['companyindustry', 'companynumber_of_employees', 'companyannual_revenue'];

function companyJson(c: SandboxCompany) {
  const group = (aliases: string[], name: string) =>
    Object.fromEntries(
      aliases.map((alias) => [alias, { alias, group: name, type: 'text', value: c.fields[alias] ?? null }]),
    );
  const all: Record<string, unknown> = { id: c.id };
  for (const alias of [...CORE, ...PROFESSIONAL]) all[alias] = c.fields[alias] ?? null;
  return {
    isPublished: true,
    dateAdded: mauticIso(c.dateAdded),
    dateModified: mauticIso(c.dateModified),
    createdBy: 1,
    id: c.id,
    score: 0,
    fields: { core: group(CORE, 'core'), professional: group(PROFESSIONAL, 'professional'), other: [], all },
  };
}

export function listCompanies({ state }: RouteDeps): Handler {
  return (req, res) => {
    const q = parsePhpQuery(req.originalUrl);
    let rows = [...state().companies.values()];
    try {
      const search = str(q.search)?.toLowerCase();
      if (search) {
        rows = rows.filter((c) =>
          String(c.fields.companyname ?? '')
            .toLowerCase()
            .includes(search),
        );
      }
      for (const statement of list(q.where)) {
        rows = rows.filter((c) => matchesWhere({ ...c, points: 0 }, statement));
      }
    } catch (err) {
      if (err instanceof FilterError) return sendErrors(res, 400, err.message);
      throw err;
    }
    const start = int(q.start, 0);
    const limit = int(q.limit, 30);
    const page = rows.slice(start, start + limit);
    const companies = orderedObject(page.map((c) => [c.id, companyJson(c)]));
    sendJson(res, 200, `{"total":${JSON.stringify(String(rows.length))},"companies":${companies}}`);
  };
}
