/** Types of mutationModules.mjs (plain JavaScript, so stryker.config.mjs can import it). */
export interface MutationModule {
  /** What Stryker mutates: a file or a glob. */
  mutate: string
  tests: string[]
}
export declare const MUTATION_MODULES: MutationModule[]
