/**
 * The console's Funnel and Contacts pages print their own words in the model's language: a French
 * model (`locale: fr`) gets French headings, labels and numbers; an English one keeps its wording.
 * The French below is written by hand from the model (stages Lead → Client, Client requires fit ≥ 50,
 * no scoring rule) and one stored contact with no decision yet.
 */
import { readFileSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

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

const page = async (path: string) => {
  const res = await h.admin(path);
  expect(res.status).toBe(200);
  return res.text();
};

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
});
