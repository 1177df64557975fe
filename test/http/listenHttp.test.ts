import { connect, type Socket } from 'node:net'
import type { ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, expect, test } from 'vitest'
import { loadConfig } from '../../src/app/config.ts'
import { HTTP_LIMITS, listenHttp } from '../../src/http/listenHttp.ts'

let server: ServerType | undefined
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

async function start(limits?: Parameters<typeof listenHttp>[0]['limits']): Promise<number> {
  const app = new Hono()
  app.post('/echo', async (c) => c.text(await c.req.text()))
  app.get('/', (c) => c.text('ok'))
  let port = 0
  server = await listenHttp({ fetch: app.fetch, port: 0, host: '127.0.0.1', onPort: (p) => (port = p), limits })
  return port
}

/** Opens a raw socket and collects everything the server sends until it closes. */
function rawClient(port: number): { socket: Socket; closed: Promise<{ text: string; afterMs: number; reset: boolean }> } {
  const socket = connect(port, '127.0.0.1')
  const started = Date.now()
  let text = ''
  let reset = false
  socket.on('data', (chunk) => (text += chunk.toString()))
  socket.on('error', () => (reset = true))
  const closed = new Promise<{ text: string; afterMs: number; reset: boolean }>((resolve) => socket.on('close', () => resolve({ text, afterMs: Date.now() - started, reset })))
  return { socket, closed }
}

test('production limits: requests must arrive within 20 s, headers within 10 s, checked every second', async () => {
  await start()
  const s = server as unknown as { requestTimeout: number; headersTimeout: number; maxConnections: number; maxHeaderSize?: number }
  expect({ request: s.requestTimeout, headers: s.headersTimeout, connections: s.maxConnections }).toEqual({
    request: HTTP_LIMITS.requestTimeoutMs,
    headers: HTTP_LIMITS.headersTimeoutMs,
    connections: HTTP_LIMITS.maxConnections,
  })
  expect(HTTP_LIMITS.requestTimeoutMs + HTTP_LIMITS.checkIntervalMs).toBeLessThan(30_000)
})

test('a body trickled one byte at a time is cut off with 408 at the request timeout', async () => {
  const port = await start({ requestTimeoutMs: 1_000, headersTimeoutMs: 500, checkIntervalMs: 100 })
  const { socket, closed } = rawClient(port)
  socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n')
  const drip = setInterval(() => socket.writable && socket.write('a'), 100)
  const result = await closed
  clearInterval(drip)
  expect(result.text).toMatch(/^HTTP\/1\.1 408 /)
  expect(result.afterMs).toBeLessThan(3_000)
})

test('headers that never end time out', async () => {
  const port = await start({ requestTimeoutMs: 2_000, headersTimeoutMs: 500, checkIntervalMs: 100 })
  const { socket, closed } = rawClient(port)
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n')
  const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100)
  const result = await closed
  clearInterval(drip)
  expect(result.text).toMatch(/^HTTP\/1\.1 408 /)
  expect(result.afterMs).toBeLessThan(2_500)
})

test('a 100 KB header gets 431, not a reset', async () => {
  const port = await start()
  const { socket, closed } = rawClient(port)
  socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`)
  const result = await closed
  expect(result.text).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large/)
  expect(result.reset).toBe(false)
})

test('normal requests still work, keep-alive included', async () => {
  const port = await start()
  expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok')
  expect(await (await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'hello' })).text()).toBe('hello')
})

test('HTTP_HOST: loopback when PUBLIC_URL is loopback, all interfaces otherwise, or as set', () => {
  expect(loadConfig({}).HTTP_HOST).toBe('127.0.0.1')
  expect(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:9000' }).HTTP_HOST).toBe('127.0.0.1')
  expect(loadConfig({ PUBLIC_URL: 'https://gridshare.example.org' }).HTTP_HOST).toBe('0.0.0.0')
  expect(loadConfig({ PUBLIC_URL: 'https://gridshare.example.org', HTTP_HOST: '10.0.0.5' }).HTTP_HOST).toBe('10.0.0.5')
  expect(() => loadConfig({ HTTP_HOST: 'not a host!' })).toThrow(
    'Invalid configuration: HTTP_HOST ("not a host!") is not an address to bind; expected an IP address such as 127.0.0.1 or 0.0.0.0, or a host name.',
  )
})
