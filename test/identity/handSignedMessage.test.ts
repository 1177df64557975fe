import { describe, expect, test } from 'vitest'
import { frameMessage, messageBetweenFrames } from '../../src/identity/handSignedMessage.ts'

const message = 'localhost:8787 wants you to sign in with your Ethereum account:\n0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n\nLink this wallet.\n\nNonce: 6bf4'

describe('the message to sign by hand', () => {
  test('reads back exactly from a framed copy, with text around it, CRLF line ends or none', () => {
    const reply = `Link your wallet\nSign the text between the BEGIN and END lines…\n${frameMessage(message)}\n`
    expect(messageBetweenFrames(reply)).toBe(message)
    expect(messageBetweenFrames(reply.replace(/\n/g, '\r\n'))).toBe(message)
    expect(messageBetweenFrames(frameMessage(message))).toBe(message)
  })

  test('without frames, only the one newline an editor adds at the end is dropped', () => {
    expect(messageBetweenFrames(`${message}\n`)).toBe(message)
    expect(messageBetweenFrames(`${message}\n\n`)).toBe(`${message}\n`)
    expect(messageBetweenFrames(message)).toBe(message)
  })
})
