import { walletPage } from './walletPage.ts'

/** The /authorize page: signs the Snapshot Alias typed data with
 *  eth_signTypedData_v4 from a wallet found in the browser (EIP-6963 or
 *  window.ethereum), from a wallet app's browser ("Open in wallet"), or by
 *  hand (the typed data shown, the signature pasted). The server builds the
 *  typed data; the page only relays it. */
export function governanceSignPageHtml(): string {
  return walletPage({
    title: 'Vote on Snapshot from chat',
    introId: 'what',
    byHandHelp: `<p>Use this when your wallet is on another device. Enter a wallet address linked to your account, sign the JSON shown with
<em>eth_signTypedData_v4</em> (EIP-712) from that address, exactly as shown, then paste the signature here within 15 minutes.</p>`,
    script: String.raw`const api = '/api/v1/governance/alias/' + encodeURIComponent(token)
const typedDataFor = async (address) => (await getJson(api + '?address=' + encodeURIComponent(address))).typedData
let handTyped = null
function finish(result) {
  const sequencer = result.sequencer
  const answer = sequencer.status === 'accepted' ? 'Snapshot accepted it (receipt ' + sequencer.id + ').'
    : sequencer.status === 'rejected' ? 'but Snapshot refused it: ' + sequencer.error + '.'
    : 'Snapshot has not answered yet; the chat will tell you.'
  const kind = sequencer.status === 'rejected' ? 'error' : 'ok'
  show((kind === 'ok' ? 'Authorized ' + result.authorized + ' until ' + new Date(result.expiresAt).toUTCString() + '. ' : 'Signed, ') + answer + (kind === 'ok' ? ' You can go back to the chat.' : ''), kind)
}
try {
  const request = await getJson(api)
  $('what').textContent = 'Signing makes ' + request.alias + ' your Snapshot alias for 30 days. On Snapshot an alias counts in every space and can also sign proposals and other messages for your wallet; the bot keeps the key sealed and signs only the votes you cast in chat, in ' + request.space + '. This page works until ' + new Date(request.expiresAt).toLocaleTimeString() + '.'
  $('warning').textContent = 'If you did not run /authorize in chat yourself, close this page: signing lets the holder of that key vote, propose and more on Snapshot in your wallet\'s name.'
  $('warning').hidden = false
  offerWallets(async (provider) => {
    const [address] = await provider.request({ method: 'eth_requestAccounts' })
    const typedData = await typedDataFor(address)
    $('message').textContent = JSON.stringify(typedData.message, null, 2)
    $('message').hidden = false
    show('Waiting for your wallet to sign…')
    const signature = await provider.request({ method: 'eth_signTypedData_v4', params: [address, JSON.stringify(typedData)] })
    finish(await postJson(api, { address, signature, timestamp: typedData.message.timestamp }))
  })
  offerByHand({
    describe: async (address) => { handTyped = await typedDataFor(address); return JSON.stringify(handTyped, null, 2) },
    submit: async (address, signature) => finish(await postJson(api, { address, signature, timestamp: handTyped.message.timestamp })),
  })
} catch (error) { $('what').textContent = ''; show(explain(error), 'error') }`,
  })
}
