/**
 * The words the console's Funnel and Contacts pages print around the model's own texts, per model
 * locale: a sibling of messages.ts (which holds the engine's reasons and explanations), so a French
 * model's pages read in French throughout. English is the pages' original wording, unchanged.
 */
import { WORDS } from './messages.ts';
import type { ModelLocale } from './messages.ts';

/** The hint beside an absolute time: `in 12 min`, `3 h ago`. */
export interface RelativeWords {
  lessThanMinute: string;
  minutes: (n: number) => string;
  hours: (n: number) => string;
  days: (n: number) => string;
  future: (amount: string) => string;
  past: (amount: string) => string;
}

export interface PageWords {
  /** The pages' language (BCP 47), for `<html lang>`: screen readers pronounce the text by it. */
  lang: string;
  /** For numbers and amounts (`Intl`). */
  numberLocale: string;
  percent: (v: string) => string;
  daysUnit: string;
  relative: RelativeWords;
  funnel: {
    title: string;
    contacts: (n: string) => string;
    forecast: string;
    pipelineForecast: string;
    pipelineHint: (won: string) => string;
    wonSoFar: string;
    dealSize: string;
    dealSource: { given: string; 'won deals': string; default: string };
    leads: string;
    leadsGiven: (n: string) => string;
    leadsFromBudget: (budget: string, costPerLead: string, n: string) => string;
    newLeadsMonth: string;
    customersMonth: string;
    revenueMonth: string;
    noMonthly: string;
    inputs: string;
    inputMonthlyLeads: string;
    inputBudget: string;
    inputCostPerLead: string;
    inputDealSize: string;
    inputCurrency: string;
    inputSince: string;
    update: string;
    conversion: string;
    columns: [string, string, string, string, string, string, string, string];
    handoff: string;
    won: string;
    timeNote: string;
    cohorts: string;
    cohortsNote: string;
    firstSeen: string;
    contactsColumn: string;
    noHistory: string;
    /** The funnel drawing: its accessible name and the note under each stage's label. */
    drawing: {
      label: string;
      note: (reached: string, now: string) => string;
      toNext: (pct: string) => string;
    };
  };
  contact: {
    search: {
      title: string;
      hint: string;
      none: (q: string) => string;
      columns: [string, string, string, string];
      noName: string;
      first50: string;
      label: string;
      button: string;
    };
    stageOf: (n: number) => string;
    next: (label: string) => string;
    last: string;
    evaluated: (at: string, model: string) => string;
    scores: string;
    against: (label: string) => string;
    markNote: string;
    meets: string;
    needs: (what: string) => string;
    nextNeeds: string;
    missingFor: (label: string) => string;
    nextStage: string;
    nothingMissingFor: (label: string) => string;
    lastStage: string;
    why: (label: string) => string;
    history: string;
    noHistory: string;
    from: string;
    to: string;
    now: string;
    written: string;
    stageWritten: (stage: string, at: string) => string;
    nothingWritten: string;
    openIn: (vendor: string) => string;
    handedOffAs: string;
    atStage: string;
    convertedTo: string;
    notHandedOff: string;
    decided: string;
    withModel: string;
    notBySync: string;
    erase: string;
    eraseNote: string;
    eraseButton: string;
    eraseQuestion: (who: string) => string;
    eraseConfirm: string;
  };
}

const EN: PageWords = {
  lang: 'en',
  numberLocale: 'en-US',
  percent: (v) => `${v}%`,
  daysUnit: 'd',
  relative: {
    lessThanMinute: 'less than a minute',
    minutes: (n) => `${n} min`,
    hours: (n) => `${n} h`,
    days: (n) => `${n} days`,
    future: (a) => `in ${a}`,
    past: (a) => `${a} ago`,
  },
  funnel: {
    title: 'Funnel',
    contacts: (n) => `${n} contacts`,
    forecast: 'Forecast',
    pipelineForecast: 'Pipeline forecast',
    pipelineHint: (won) => `contacts now in each stage × their chance to reach ${won} × deal size`,
    wonSoFar: 'Won so far',
    dealSize: 'Deal size',
    dealSource: {
      given: 'as given',
      'won deals': 'the mean of won deals read back from the CRM',
      default: 'no won deal carries an amount yet',
    },
    leads: 'Leads',
    leadsGiven: (n) => `${n} new leads a month (given)`,
    leadsFromBudget: (b, c, n) => `budget ${b} ÷ cost per lead ${c} = ${n} new leads a month`,
    newLeadsMonth: 'New leads a month',
    customersMonth: 'Customers a month',
    revenueMonth: 'Revenue a month',
    noMonthly: 'Give monthly leads, or a budget and a cost per lead, for a monthly forecast.',
    inputs: 'Forecast inputs',
    inputMonthlyLeads: 'Monthly new leads',
    inputBudget: 'or monthly budget',
    inputCostPerLead: '÷ cost per lead',
    inputDealSize: 'Deal size (empty: from won deals)',
    inputCurrency: 'Currency (ISO code)',
    inputSince: 'Contacts first seen since',
    update: 'Update forecast',
    conversion: 'Conversion and time in stage',
    columns: [
      'stage',
      'reached',
      'now',
      'to next',
      'median time',
      'mean time',
      'chance to win',
      'expected revenue',
    ],
    handoff: 'handoff',
    won: 'won',
    timeNote: 'Time in stage counts contacts who have left the stage.',
    cohorts: 'Cohorts by month',
    cohortsNote: 'Contacts by the month they were first seen, and how many of them reached each stage.',
    firstSeen: 'first seen',
    contactsColumn: 'contacts',
    noHistory: 'No stage history yet.',
    drawing: {
      label: 'Lead funnel',
      note: (reached, now) => `${reached} reached · ${now} now`,
      toNext: (pct) => ` · ${pct} → next`,
    },
  },
  contact: {
    search: {
      title: 'Contacts',
      hint: 'Search by email, name or contact id.',
      none: (q) => `No contact matches “${q}”.`,
      columns: ['name', 'email', 'id', 'stage'],
      noName: '(no name)',
      first50: 'The first 50 matches: narrow the search to see others.',
      label: 'Email, name or id',
      button: 'Search',
    },
    stageOf: (n) => `stage ${n}`,
    next: (l) => `, next: ${l}`,
    last: ' (last)',
    evaluated: (at, m) => `evaluated ${at} with ${m}`,
    scores: 'Scores',
    against: (l) => ` against ${l}`,
    markNote: "The red mark is the minimum the next stage's requirement sets for that score.",
    meets: 'meets the next stage',
    needs: (w) => `needs ${w}`,
    nextNeeds: 'next stage needs',
    missingFor: (l) => `Missing for ${l}`,
    nextStage: 'Next stage',
    nothingMissingFor: (l) => `Nothing reported missing for ${l}.`,
    lastStage: WORDS.en.explain.lastStage,
    why: (l) => `Why ${l}`,
    history: 'Stage history',
    noHistory: 'No stage recorded yet: the next sync records it.',
    from: 'from',
    to: 'to',
    now: 'now',
    written: 'Written to each system',
    stageWritten: (s, at) => `stage <strong>${s}</strong> and scores written ${at}`,
    nothingWritten: 'nothing written yet',
    openIn: (v) => `open in ${v}`,
    handedOffAs: 'handed off as',
    atStage: 'at stage',
    convertedTo: 'converted to',
    notHandedOff: 'not handed off',
    decided: 'Decided',
    withModel: 'with model',
    notBySync: 'not by a sync yet',
    erase: 'Erase',
    eraseNote:
      'For a deletion request (GDPR art. 17): the same erasure as <code>leadstage contact erase</code>.',
    eraseButton: 'Erase this person',
    eraseQuestion: (who) =>
      `Erase ${who}? Their stored data goes from leadstage, the CRM record is handled by the erasure policy, and future syncs skip them. This cannot be undone.`,
    eraseConfirm: 'Erase',
  },
};

const FR: PageWords = {
  lang: 'fr',
  numberLocale: 'fr-FR',
  percent: (v) => `${v} %`,
  daysUnit: 'j',
  relative: {
    lessThanMinute: 'moins d’une minute',
    minutes: (n) => `${n} min`,
    hours: (n) => `${n} h`,
    days: (n) => `${n} jours`,
    future: (a) => `dans ${a}`,
    past: (a) => `il y a ${a}`,
  },
  funnel: {
    title: 'Entonnoir',
    contacts: (n) => `${n} contacts`,
    forecast: 'Prévision',
    pipelineForecast: 'Prévision du pipeline',
    pipelineHint: (won) =>
      `contacts actuellement dans chaque étape × leur chance d’atteindre ${won} × montant d’affaire`,
    wonSoFar: 'Gagné à ce jour',
    dealSize: 'Montant d’affaire',
    dealSource: {
      given: 'saisi',
      'won deals': 'la moyenne des affaires gagnées relues dans le CRM',
      default: 'aucune affaire gagnée n’a encore de montant',
    },
    leads: 'Leads',
    leadsGiven: (n) => `${n} nouveaux leads par mois (saisi)`,
    leadsFromBudget: (b, c, n) => `budget ${b} ÷ coût par lead ${c} = ${n} nouveaux leads par mois`,
    newLeadsMonth: 'Nouveaux leads par mois',
    customersMonth: 'Clients par mois',
    revenueMonth: 'Chiffre d’affaires par mois',
    noMonthly: 'Indiquez les leads mensuels, ou un budget et un coût par lead, pour une prévision mensuelle.',
    inputs: 'Données de la prévision',
    inputMonthlyLeads: 'Nouveaux leads par mois',
    inputBudget: 'ou budget mensuel',
    inputCostPerLead: '÷ coût par lead',
    inputDealSize: 'Montant d’affaire (vide : d’après les affaires gagnées)',
    inputCurrency: 'Devise (code ISO)',
    inputSince: 'Contacts vus pour la première fois depuis le',
    update: 'Mettre à jour la prévision',
    conversion: 'Conversion et temps par étape',
    columns: [
      'étape',
      'atteinte',
      'actuellement',
      'vers la suivante',
      'temps médian',
      'temps moyen',
      'chance de gain',
      'revenu attendu',
    ],
    handoff: 'passage aux ventes',
    won: 'gagné',
    timeNote: 'Le temps par étape compte les contacts qui ont quitté l’étape.',
    cohorts: 'Cohortes par mois',
    cohortsNote:
      'Les contacts par mois de première apparition, et combien d’entre eux ont atteint chaque étape.',
    firstSeen: 'première apparition',
    contactsColumn: 'contacts',
    noHistory: 'Pas encore d’historique des étapes.',
    drawing: {
      label: 'Entonnoir des leads',
      // The table's column words, as `label : value` so no count needs a plural agreement.
      note: (reached, now) => `atteinte : ${reached} · actuellement : ${now}`,
      toNext: (pct) => ` · vers la suivante : ${pct}`,
    },
  },
  contact: {
    search: {
      title: 'Contacts',
      hint: 'Cherchez par e-mail, nom ou identifiant du contact.',
      none: (q) => `Aucun contact ne correspond à « ${q} ».`,
      columns: ['nom', 'e-mail', 'identifiant', 'étape'],
      noName: '(sans nom)',
      first50: 'Les 50 premiers résultats : précisez la recherche pour voir les autres.',
      label: 'E-mail, nom ou identifiant',
      button: 'Chercher',
    },
    stageOf: (n) => `étape ${n}`,
    next: (l) => `, suivante : ${l}`,
    last: ' (dernière)',
    evaluated: (at, m) => `évalué ${at} avec ${m}`,
    scores: 'Scores',
    against: (l) => ` face à ${l}`,
    markNote: 'Le trait rouge marque le minimum que l’étape suivante exige pour ce score.',
    meets: 'atteint l’étape suivante',
    needs: (w) => `demande ${w}`,
    nextNeeds: 'l’étape suivante demande',
    missingFor: (l) => `Manquant pour ${l}`,
    nextStage: 'Étape suivante',
    nothingMissingFor: (l) => `Rien de manquant signalé pour ${l}.`,
    lastStage: WORDS.fr.explain.lastStage,
    why: (l) => `Pourquoi ${l}`,
    history: 'Historique des étapes',
    noHistory: 'Aucune étape enregistrée : la prochaine synchronisation l’enregistre.',
    from: 'du',
    to: 'au',
    now: 'en cours',
    written: 'Écrit dans chaque système',
    stageWritten: (s, at) => `étape <strong>${s}</strong> et scores écrits ${at}`,
    nothingWritten: 'rien d’écrit pour l’instant',
    openIn: (v) => `ouvrir dans ${v}`,
    handedOffAs: 'transmis comme',
    atStage: 'à l’étape',
    convertedTo: 'converti en',
    notHandedOff: 'non transmis',
    decided: 'Décidé',
    withModel: 'avec le modèle',
    notBySync: 'pas encore par une synchronisation',
    erase: 'Effacer',
    eraseNote:
      'Pour une demande d’effacement (RGPD art. 17) : le même effacement que <code>leadstage contact erase</code>.',
    eraseButton: 'Effacer cette personne',
    eraseQuestion: (who) =>
      `Effacer ${who} ? Ses données stockées quittent leadstage, la fiche du CRM suit la politique d’effacement et les prochaines synchronisations l’ignorent. C’est irréversible.`,
    eraseConfirm: 'Effacer',
  },
};

export const PAGE_WORDS: Record<ModelLocale, PageWords> = { en: EN, fr: FR };
