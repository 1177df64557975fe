import type { Db, Sqlite } from '../db/openDatabase.ts'
import { UserError } from '../errors/AppError.ts'
import { resolveModelQuery } from './gpuCatalogue.ts'
import type { NodeRegistry } from './NodeRegistry.ts'
import { providerSummary } from './providerSummary.ts'
import { announceMaintenance } from './announceMaintenance.ts'
import type { Bonds } from './Bonds.ts'
import type { Rentals } from './Rentals.ts'
import type { Slashing } from './Slashing.ts'
import { AvailabilitySearch, type AvailabilityQuery } from './searchAvailability.ts'
import { NodeOffers, type OfferSort } from './NodeOffers.ts'
import { echoInput } from '../errors/echoInput.ts'
import { autoExtendOf, stopAutoExtend, type AutoExtendSetting } from './autoExtend.ts'

/** What commands need from the marketplace, in one object on ctx.market. */
export class MarketService {
  private readonly availability: AvailabilitySearch
  private readonly nodeOffers: NodeOffers

  constructor(
    private readonly db: Db,
    sqlite: Sqlite,
    readonly registry: NodeRegistry,
    readonly rentals: Rentals,
    readonly bonds: Bonds,
    readonly slashing: Slashing,
  ) {
    this.availability = new AvailabilitySearch(sqlite)
    this.nodeOffers = new NodeOffers(sqlite, this.availability)
  }

  search(query: AvailabilityQuery) {
    return this.availability.search(query)
  }

  /** Single listed node offers for /offers, best first, and how many more matched. */
  offers(query: AvailabilityQuery, sort: OfferSort, limit: number) {
    return this.nodeOffers.list(query, sort, limit)
  }

  catalogue() {
    return this.availability.catalogue()
  }

  announceMaintenance(params: { accountId: number; nodeId: string; from: number; hours: number; now: number }): number {
    return announceMaintenance(this.db, params)
  }

  providerNodes(accountId: number) {
    return providerSummary(this.db, accountId)
  }

  /** A rental's auto-extend (cap and hours added), if it has one. @throws RentalNotFoundError for another account's rental */
  autoExtendOf(accountId: number, rentalId: string): AutoExtendSetting | undefined {
    return autoExtendOf(this.db, this.rentals.get(accountId, rentalId).id)
  }

  /** @returns whether auto-extend was on. @throws RentalNotFoundError for another account's rental */
  stopAutoExtend(accountId: number, rentalId: string): boolean {
    return stopAutoExtend(this.db, this.rentals.get(accountId, rentalId).id)
  }

  /** "h100" → "H100-80GB". @throws UserError naming the known models */
  resolveModel(query: string): string {
    const { models } = this.catalogue()
    const model = resolveModelQuery(query, models)
    if (!model) {
      throw new UserError(
        `Unknown GPU model "${echoInput(query)}"; expected one of ${models.length ? models.join(', ') : 'the models /gpus lists (none are online yet)'}.`,
        'UNKNOWN_MODEL',
      )
    }
    return model
  }
}
