import type { Socket } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'

/** Limits that keep slow or hostile clients from holding sockets: a body
 *  trickled at 1 byte/s is cut off, headers without end time out, oversized
 *  headers get 431, and connections past the cap are refused. */
export const HTTP_LIMITS: Readonly<Record<'headersTimeoutMs' | 'requestTimeoutMs' | 'checkIntervalMs' | 'maxHeaderBytes' | 'maxConnections' | 'keepAliveTimeoutMs', number>> = {
  headersTimeoutMs: 10_000,
  /** The whole request, body included. */
  requestTimeoutMs: 20_000,
  /** How often Node checks the two timeouts above (its default, 30 s, would double the worst case). */
  checkIntervalMs: 1_000,
  maxHeaderBytes: 16 * 1024,
  maxConnections: 2_000,
  keepAliveTimeoutMs: 5_000,
}

const HEADERS_TOO_LARGE = 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 33\r\n\r\nRequest header fields too large.\n'
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
const TIMED_OUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'

export function listenHttp(params: {
  fetch: Parameters<typeof serve>[0]['fetch']
  port: number
  host: string
  onPort: (port: number) => void
  /** Tests shorten the timeouts; production uses HTTP_LIMITS. */
  limits?: Partial<typeof HTTP_LIMITS>
}): Promise<ServerType> {
  const { fetch, port, host, onPort } = params
  const limits = { ...HTTP_LIMITS, ...params.limits }
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch,
        port,
        hostname: host,
        serverOptions: {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          connectionsCheckingInterval: limits.checkIntervalMs,
          maxHeaderSize: limits.maxHeaderBytes,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
        },
      },
      (info) => {
        onPort(info.port)
        resolve(server)
      },
    )
    ;(server as { maxConnections?: number }).maxConnections = limits.maxConnections
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket))
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`HTTP_PORT ${port} is already in use; choose another port.`) : error),
    )
  })
}

/** Answers before closing, and drains what the client is still sending so
 *  it reads the status instead of a TCP reset. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) return void socket.destroy()
  const answer = error.code === 'HPE_HEADER_OVERFLOW' ? HEADERS_TOO_LARGE : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? TIMED_OUT : BAD_REQUEST
  socket.on('data', () => {})
  socket.on('error', () => {})
  socket.resume()
  socket.end(answer)
  setTimeout(() => socket.destroy(), 2_000).unref()
}
