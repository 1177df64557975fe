import { describe, expect, test } from 'vitest'
import { AvailabilityAlerts, ALERT_COOL_DOWN_MS } from '../../src/notify/AvailabilityAlerts.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'
import { userError } from '../support/userError.ts'

function setup() {
  const h = createMarketHarness()
  const alerts = new AvailabilityAlerts({ db: h.db, units: h.units, clock: () => h.clock.now })
  const fired = () => (h.sqlite.prepare("select account_id as accountId, reply from notifications where topic = 'alerts' order by id").all() as { accountId: number; reply: string }[]).map((n) => ({ accountId: n.accountId, ...JSON.parse(n.reply) }))
  return { h, alerts, fired }
}

describe('availability alerts', () => {
  test('fire once when matching capacity appears, then rest for the cool-down', () => {
    const { h, alerts, fired } = setup()
    const alice = h.renter('alice', 0)
    const alert = alerts.create({ accountId: alice, model: 'H100-80GB', gpuCount: 2, maxPrice: 3n * TOKEN, region: 'eu-west' })
    const { nodeId, address } = h.provider(1)
    expect(alerts.evaluateNode(nodeId)).toBe(1)
    expect(alerts.evaluateNode(nodeId)).toBe(0)
    h.clock.now += ALERT_COOL_DOWN_MS - 1
    h.registry.heartbeat(address, nodeId, {})
    expect(alerts.evaluateNode(nodeId)).toBe(0)
    h.clock.now += 1
    expect(alerts.evaluateNode(nodeId)).toBe(1)
    const [first] = fired()
    expect(first).toMatchObject({
      accountId: alice,
      title: 'GPUs available: 2× H100-80GB',
      text: `Node ${nodeId} in eu-west has 2 free at 2 GRID per GPU-hour (alert ${alert.id}). Rent gives a 1-hour quote; /extend adds time later. This alert rests for an hour.`,
      buttons: [{ label: 'Rent', style: 'primary', action: expect.any(String) }],
    })
  })

  test('do not fire for capacity that does not match', () => {
    const { h, alerts } = setup()
    const alice = h.renter('alice', 0)
    alerts.create({ accountId: alice, model: 'H100-80GB', gpuCount: 3 })
    alerts.create({ accountId: alice, model: 'H100-80GB', gpuCount: 1, maxPrice: 1n * TOKEN })
    alerts.create({ accountId: alice, model: 'H100-80GB', gpuCount: 1, region: 'us-east' })
    alerts.create({ accountId: alice, model: 'RTX4090-24GB', gpuCount: 1 })
    const { nodeId } = h.provider(1)
    expect(alerts.evaluateNode(nodeId)).toBe(0)
  })

  test('list and delete only your own', () => {
    const { h, alerts } = setup()
    const alice = h.renter('alice', 0)
    const bob = h.renter('bob', 0)
    const alert = alerts.create({ accountId: alice, model: 'H100-80GB', gpuCount: 1 })
    expect(() => alerts.delete(bob, alert.id)).toThrow(userError(`You have no alert ${alert.id}; /alerts lists yours.`))
    expect(alerts.list(alice).map((a) => a.id)).toEqual([alert.id])
    alerts.delete(alice, alert.id)
    expect(alerts.list(alice)).toEqual([])
  })
})
