import type { AutocompleteSource } from '../command/CommandPipeline.ts'
import type { CommandDefinition } from '../command/defineCommand.ts'
import { workloadImageCatalogue } from '../market/workloadImages.ts'

/** Lists that adapters offer while a user types an option (Discord autocomplete). */
export function autocompleteSources(commands: readonly CommandDefinition[]): Record<string, AutocompleteSource> {
  return {
    commands: () => commands.map((c) => c.name),
    gpuModels: (ctx) => ctx.market.catalogue().models,
    regions: (ctx) => ctx.market.catalogue().regions,
    openProposals: (ctx) => ctx.governance.openProposalIds(),
    myRentals: (ctx) => ctx.market.rentals.list(ctx.accountId, { activeOnly: true }).map((r) => r.id),
    workloadImages: (ctx) => Object.keys(workloadImageCatalogue(ctx.params).images),
  }
}
