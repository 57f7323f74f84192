/**
 * The words the engine writes in explanations and reasons, per model locale (`locale:` in the
 * model file). Condition texts are built when the model compiles, so a model explains itself in
 * one language; labels come from the model file, or from its stage key (with the usual funnel
 * stages named in French for `fr`).
 */
/** The locales a model file may name; each has a words table below. */
export const MODEL_LOCALES = ['en', 'fr'] as const;
export type ModelLocale = (typeof MODEL_LOCALES)[number];

export interface Words {
  /** Between a subject and what follows: French puts a space before the colon. */
  colon: string;
  /** What a contact has when a property is missing or empty. */
  nothing: string;
  and: string;
  or: string;
  /** What a contact has, beside a requirement: `(has 45)`. */
  has: (value: string) => string;
  in: string;
  notIn: string;
  contains: string;
  startsWith: string;
  endsWith: string;
  matches: string;
  isSet: string;
  isEmpty: string;
  where: string;
  inLastDays: (days: number) => string;
  count: string;
  atLeastOnce: string;
  score: (dimension: string) => string;
  account: (dimension: string) => string;
  oneOf: string;
  not: string;
  entryStage: string;
  needs: string;
  recycledTo: (label: string) => string;
  stays: (label: string) => string;
  unknownStage: (stage: string) => string;
  explain: {
    heading: (id: string, label: string, n: number, of: number, model: string, version: string) => string;
    scores: string;
    points: string;
    noPoints: string;
    note: string;
    requires: (label: string) => string;
    noRequirements: (label: string) => string;
    missingFor: (label: string) => string;
    nothingMissing: (label: string) => string;
    needs: (label: string) => string;
    lastStage: string;
  };
}

const EN: Words = {
  colon: ':',
  nothing: 'nothing',
  and: 'and',
  or: 'or',
  has: (v) => `has ${v}`,
  in: 'in',
  notIn: 'not in',
  contains: 'contains',
  startsWith: 'starts with',
  endsWith: 'ends with',
  matches: 'matches',
  isSet: 'is set',
  isEmpty: 'is empty',
  where: 'where',
  inLastDays: (n) => `in the last ${n} days`,
  count: 'count',
  atLeastOnce: 'at least once',
  score: (d) => `${d} score`,
  account: (d) => `account ${d}`,
  oneOf: 'one of:',
  not: 'not',
  entryStage: 'entry stage',
  needs: 'needs',
  recycledTo: (l) => `recycled to ${l}`,
  stays: (l) => `stays ${l}: stages never move back without a recycle rule`,
  unknownStage: (s) => `current stage "${s}" is not in this model; ignored`,
  explain: {
    heading: (id, label, n, of, model, version) =>
      `Contact ${id}: ${label} (stage ${n} of ${of}, model ${model} ${version})`,
    scores: 'Scores',
    points: 'Points:',
    noPoints: 'Points: no rule gave points',
    note: 'Note',
    requires: (l) => `${l} requires:`,
    noRequirements: (l) => `${l} has no requirements.`,
    missingFor: (l) => `For ${l}, missing:`,
    nothingMissing: (l) => `${l}: no missing requirement reported.`,
    needs: (l) => `${l} needs`,
    lastStage: 'This is the last stage.',
  },
};

const FR: Words = {
  colon: ' :',
  nothing: 'aucune valeur',
  and: 'et',
  or: 'ou',
  has: (v) => `actuel : ${v}`,
  in: 'parmi',
  notIn: 'hors de',
  contains: 'contient',
  startsWith: 'commence par',
  endsWith: 'finit par',
  matches: 'correspond à',
  isSet: 'est renseigné',
  isEmpty: 'est vide',
  where: 'où',
  inLastDays: (n) => `dans les ${n} derniers jours`,
  count: 'nombre',
  atLeastOnce: 'au moins une fois',
  score: (d) => `score ${d}`,
  account: (d) => `compte ${d}`,
  oneOf: 'l’un de :',
  not: 'non',
  entryStage: 'étape d’entrée',
  needs: 'demande',
  recycledTo: (l) => `recyclé vers ${l}`,
  stays: (l) => `reste ${l} : une étape ne recule jamais sans règle de recyclage`,
  unknownStage: (s) => `l’étape actuelle « ${s} » n’est pas dans ce modèle : ignorée`,
  explain: {
    heading: (id, label, n, of, model, version) =>
      `Contact ${id} : ${label} (étape ${n} sur ${of}, modèle ${model} ${version})`,
    scores: 'Scores',
    points: 'Points :',
    noPoints: 'Points : aucune règle n’a donné de points',
    note: 'Note',
    requires: (l) => `${l} demande :`,
    noRequirements: (l) => `${l} n’a pas de condition.`,
    missingFor: (l) => `Pour ${l}, il manque :`,
    nothingMissing: (l) => `${l} : aucune condition manquante.`,
    needs: (l) => `${l} demande`,
    lastStage: 'C’est la dernière étape.',
  },
};

export const WORDS: Record<ModelLocale, Words> = { en: EN, fr: FR };

/** French names of the usual stage keys, for stages the model file gives no label. */
const FR_LABELS: Record<string, string> = {
  subscriber: 'Abonné',
  lead: 'Lead',
  prospect: 'Prospect',
  suspect: 'Suspect',
  inquiry: 'Demande',
  mql: 'MQL',
  sal: 'SAL',
  sql: 'SQL',
  tsql: 'TSQL',
  opportunity: 'Opportunité',
  customer: 'Client',
  client: 'Client',
  won: 'Gagné',
  evangelist: 'Ambassadeur',
  loyal_customer: 'Client fidèle',
  other: 'Autre',
};

/** A stage's label when the model file gives none: its key in words. */
export function defaultLabel(key: string, locale: ModelLocale = 'en'): string {
  const fr = locale === 'fr' ? FR_LABELS[key] : undefined;
  return fr ?? key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}
