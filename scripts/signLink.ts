import { privateKeyToAccount } from 'viem/accounts'

/** A command-line wallet for the local demo: completes a /link with a dev key,
 *  exactly as the signing page does in a browser.
 *  npm run --silent wallet:link -- <link url from /link> <private key> */
const [url, key] = process.argv.slice(2)
if (!url || !/^https?:\/\/.+\/link\/[\w-]+$/.test(url) || !key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
  process.stderr.write('Usage: npm run --silent wallet:link -- <link url from /link> <0x private key>\n')
  process.exit(2)
}
const account = privateKeyToAccount(key as `0x${string}`)
const api = url.replace('/link/', '/api/v1/link/')
const challenge = (await (await fetch(`${api}?address=${account.address}`)).json()) as { message?: string; error?: string }
if (!challenge.message) {
  process.stderr.write(`${challenge.error ?? 'The link could not be read.'}\n`)
  process.exit(1)
}
const signature = await account.signMessage({ message: challenge.message })
const result = (await (await fetch(api, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: account.address, message: challenge.message, signature }) })).json()) as {
  status?: 'linked' | 'merge_pending' | 'unfrozen'
  message?: string
  error?: string
}
process.stdout.write(`${result.message ?? result.error ?? 'No answer.'}\n`)
process.exit(result.status ? 0 : 1)
