/**
 * The console's Funnel and Contacts pages print their own words in the model's language: a French
 * model (`locale: fr`) gets French headings, labels and numbers; an English one keeps its wording.
 * The French below is written by hand from the model (stages Lead → Client, Client requires fit ≥ 50,
 * no scoring rule) and one stored contact with no decision yet, or one decided at Lead.
 * A French page says `<html lang="fr">` and marks the console's English chrome `lang="en"`.
 */
import { readFileSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { decision } from '../helpers/decisions.ts';

import { type Harness, jsonRequest, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const FRENCH = readFileSync('test/fixtures/models/french-euros.yaml', 'utf8');

async function workspaceWithContact(yaml?: string): Promise<string> {
  const ws = await h.createWorkspace('acme', 'hubspot');
  if (yaml) {
    const saved = await h.admin(`/api/workspaces/${ws.id}/model`, jsonRequest('POST', { yaml }));
    expect(saved.status).toBe(200);
  }
  await h.ctx.store.contacts.upsert(ws.id, [
    { id: 'c1', properties: { email: 'ada@example.com' }, updatedAt: '2026-01-01T00:00:00Z' },
  ]);
  return ws.id;
}

const HOUR = 3_600_000;

/**
 * c1 decided at Lead three days before the page is drawn and written back two hours before: the
 * contact page's hints then read "3 days ago" and "2 h ago" (whole units, so the moments the test
 * itself takes cannot change them).
 */
async function decideAtLead(id: string): Promise<void> {
  const now = Date.now();
  await h.ctx.store.decisions.save(id, [decision('c1', 'lead')], new Date(now - 72 * HOUR));
  await h.ctx.store.decisions.markWritten(
    id,
    [{ contactId: 'c1', stage: 'lead', scores: { fit: 10, total: 10 }, modelVersion: 'v1' }],
    new Date(now - 2 * HOUR),
  );
}

const page = async (path: string) => {
  const res = await h.admin(path);
  expect(res.status).toBe(200);
  return res.text();
};

/**
 * What a page says of its languages: the `<html lang>`, whether the header and the tabs are marked
 * English, and every other element that names a language.
 */
const languages = (html: string) => ({
  html: /<html lang="([^"]*)">/.exec(html)?.[1],
  headerEn: html.includes('<header class="top" lang="en">'),
  tabsEn: html.includes('<nav class="tabs" lang="en" aria-label="acme">'),
  marked: html.match(/<(?!html)\w+[^>]* lang="[^"]*"/g)?.length ?? 0,
});

/** `languages` of each console path of workspace `id`. */
async function languagesOf(id: string, paths: string[]) {
  const out: Record<string, ReturnType<typeof languages>> = {};
  for (const path of paths) out[path] = languages(await page(`/workspaces/${id}${path}`));
  return out;
}

describe('when the model is French', () => {
  it('should print the Funnel page in French, amounts in euros', async () => {
    const id = await workspaceWithContact(FRENCH);
    const html = await page(`/workspaces/${id}/funnel`);
    expect(html).toContain('<h1>Entonnoir</h1>');
    expect(html).toContain('<h2 id="forecast-h">Prévision</h2>');
    expect(html).toContain('<dt>Prévision du pipeline</dt>');
    // Nobody is a customer: the forecast is nothing, written the French way in euros.
    expect(html).toContain('<strong data-forecast>0\u00a0€</strong>');
    expect(html).toContain('(aucune affaire gagnée n’a encore de montant)');
    expect(html).toContain('<h2 id="inputs-h">Données de la prévision</h2>');
    expect(html).toContain('<h2 id="stages-h">Conversion et temps par étape</h2>');
    expect(html).toContain(
      '<th>étape</th><th class="num">atteinte</th><th class="num">actuellement</th><th class="num">vers la suivante</th><th class="num">temps médian</th><th class="num">temps moyen</th><th class="num">chance de gain</th><th class="num">revenu attendu</th>',
    );
    // Client is the won stage: its chance to win is 100 %, with a decimal comma and a spaced sign.
    expect(html).toContain('<td class="num">100,0 %</td>');
    expect(html).toContain('<td>Client <span class="badge ok">gagné</span></td>');
    expect(html).toContain('<h2 id="cohorts-h">Cohortes par mois</h2>');
    expect(html).not.toContain('Conversion and time in stage');
  });

  it('should print the contact page section titles in French', async () => {
    const id = await workspaceWithContact(FRENCH);
    const html = await page(`/workspaces/${id}/contacts/c1`);
    expect(html).toContain('étape 1, suivante : Client');
    expect(html).toContain('<h2 id="scores-h">Scores face à Client</h2>');
    expect(html).toContain('<h2 id="missing-h">Manquant pour Client</h2>');
    expect(html).toContain('<h2 id="why-h">Pourquoi Lead</h2>');
    expect(html).toContain('<h2 id="history-h">Historique des étapes</h2>');
    expect(html).toContain('Aucune étape enregistrée : la prochaine synchronisation l’enregistre.');
    expect(html).toContain('<h2 id="written-h">Écrit dans chaque système</h2>');
    expect(html).toContain(
      '<dt>Décidé</dt><dd><span class="muted">pas encore par une synchronisation</span>',
    );
    expect(html).toContain('<h2 id="erase-h">Effacer</h2>');
    const search = await page(`/workspaces/${id}/contacts?q=ada`);
    expect(search).toContain('<th>nom</th><th>e-mail</th><th>identifiant</th><th>étape</th>');
  });

  it('should say the pages are French and mark the English chrome', async () => {
    const id = await workspaceWithContact(FRENCH);
    // Header and tabs, and the confirmation dialog's title and Cancel button (every signed-in page).
    const fr = { html: 'fr', headerEn: true, tabsEn: true, marked: 4 };
    expect(await languagesOf(id, ['/funnel', '/contacts', '/contacts?q=ada', '/contacts/c1'])).toEqual({
      '/funnel': fr,
      '/contacts': fr,
      '/contacts?q=ada': fr,
      '/contacts/c1': fr,
    });
    // The contact page's erase dialog: its own words are English, the question is the page's.
    const contact = await page(`/workspaces/${id}/contacts/c1`);
    expect(contact).toContain('<h2 id="confirm-title" lang="en">Are you sure?</h2>');
    expect(contact).toContain('class="confirm-cancel" lang="en">Cancel</button>');
    expect(contact).toContain('data-confirm-label="Effacer"');
  });

  it('should mark the English notice on a French page', async () => {
    const id = await workspaceWithContact(FRENCH);
    const html = await page(`/workspaces/${id}/contacts?erased=1`);
    expect(html).toContain(
      '<p class="notice" lang="en" role="status">Erased: 1 stored contact(s) removed and suppressed.</p>',
    );
  });

  it('should write how long ago in French on the contact page', async () => {
    const id = await workspaceWithContact(FRENCH);
    await decideAtLead(id);
    const html = await page(`/workspaces/${id}/contacts/c1`);
    expect(html).toContain('<span class="muted">(il y a 3 jours)</span> avec le modèle <code>v1</code>');
    expect(html).toContain('scores écrits <time');
    expect(html).toContain('<span class="muted">(il y a 2 h)</span>');
    expect(html).not.toContain(' ago)');
  });

  it('should draw the funnel in French', async () => {
    const id = await workspaceWithContact(FRENCH);
    await decideAtLead(id);
    const html = await page(`/workspaces/${id}/funnel`);
    expect(html).toContain('role="img" aria-label="Entonnoir des leads"');
    // c1 reached Lead and sits there; nobody reached Client: 0 of 1 go on, and Client has no next.
    expect(html).toContain(
      '<text x="10" y="40" font-size="12" fill="#555">atteinte : 1 · actuellement : 1 · vers la suivante : 0,0 %</text>',
    );
    expect(html).toContain(
      '<text x="10" y="90" font-size="12" fill="#555">atteinte : 0 · actuellement : 0</text>',
    );
    expect(html).not.toContain('reached');
    expect(html).not.toContain('→ next');
  });

  it('should draw the funnel in French on the English dashboard, marked, and in funnel.svg', async () => {
    const id = await workspaceWithContact(FRENCH);
    await decideAtLead(id);
    const line = 'atteinte : 1 · actuellement : 1 · vers la suivante : 0,0 %';
    const dashboard = await page('/');
    expect(languages(dashboard)).toMatchObject({ html: 'en', marked: 1 });
    expect(dashboard).toMatch(
      /<div class="funnel"><div lang="fr"><svg [^>]*aria-label="Entonnoir des leads"/,
    );
    expect(dashboard).toContain(`>${line}</text>`);
    const svg = await h.admin(`/api/workspaces/${id}/funnel.svg`);
    expect(svg.headers.get('content-language')).toBe('fr');
    const drawing = await svg.text();
    expect(drawing).toContain(`>${line}</text>`);
    expect(drawing).not.toContain('reached');
  });
});

describe('when the model is English', () => {
  it('should keep the pages in English', async () => {
    const id = await workspaceWithContact();
    const funnel = await page(`/workspaces/${id}/funnel`);
    expect(funnel).toContain('<h1>Funnel</h1>');
    expect(funnel).toContain('<h2 id="stages-h">Conversion and time in stage</h2>');
    expect(funnel).toContain('<th>stage</th><th class="num">reached</th>');
    const contact = await page(`/workspaces/${id}/contacts/c1`);
    expect(contact).toContain('<h2 id="history-h">Stage history</h2>');
    expect(contact).toContain('<h2 id="written-h">Written to each system</h2>');
  });

  it('should say the pages are English, chrome unmarked, times and drawing in English', async () => {
    const id = await workspaceWithContact();
    await decideAtLead(id);
    // The whole page is English: no element needs its own language.
    const en = { html: 'en', headerEn: false, tabsEn: false, marked: 0 };
    expect(await languagesOf(id, ['/funnel', '/contacts', '/contacts/c1'])).toEqual({
      '/funnel': en,
      '/contacts': en,
      '/contacts/c1': en,
    });
    const contact = await page(`/workspaces/${id}/contacts/c1`);
    expect(contact).toContain('<span class="muted">(3 days ago)</span> with model <code>v1</code>');
    expect(contact).toContain('<span class="muted">(2 h ago)</span>');
    const funnel = await page(`/workspaces/${id}/funnel`);
    expect(funnel).toContain('role="img" aria-label="Lead funnel"');
    // The default model (HubSpot lifecycle) puts Lead second: c1 passed Subscriber (1 reached, 0 now,
    // all of it went on) and sits at Lead, which nobody has left for the next stage.
    expect(funnel).toContain('>1 reached · 0 now · 100.0% → next</text>');
    expect(funnel).toContain('>1 reached · 1 now · 0.0% → next</text>');
    const dashboard = await page('/');
    expect(languages(dashboard)).toMatchObject({ html: 'en', marked: 0 });
    expect(dashboard).toContain('>1 reached · 1 now · 0.0% → next</text>');
    const svg = await h.admin(`/api/workspaces/${id}/funnel.svg`);
    expect(svg.headers.get('content-language')).toBe('en');
    expect(await svg.text()).toContain('>1 reached · 1 now · 0.0% → next</text>');
  });
});
