/**
 * How big a model may be. Within these bounds `rules check` answers in well under a second and one
 * contact is scored in bounded time; beyond them the check names the bound instead of the engine
 * overflowing its stack or taking minutes.
 */
export const LIMITS = {
  /** Characters of model text: YAML parsing is the slowest part of a check. */
  textLength: 100_000,
  stages: 100,
  scoringRules: 1_000,
  recycleRules: 100,
  accountDimensions: 50,
  namedConditions: 1_000,
  /** `all`/`any`/`not` inside one another. */
  nestingDepth: 32,
  /** `{ is: A }` whose A uses `{ is: B }` … */
  namedDepth: 16,
  regexLength: 1_000,
  /** Leaf conditions once every `{ is: NAME }` is replaced by its condition, over the whole model. */
  expandedConditions: 50_000,
} as const;
