import { walletPage } from './walletPage.ts'

/** A plain page driving the browser wallet (EIP-1193): request accounts,
 *  fetch the Alias typed data for that address, eth_signTypedData_v4, post
 *  the signature. The server builds the typed data; the page only relays it. */
export function governanceSignPageHtml(): string {
  return walletPage({
    title: 'Vote on Snapshot from chat',
    intro: 'what',
    script: `const api = '/api/v1/governance/alias/' + encodeURIComponent(token)
try {
  const request = await getJson(api)
  $('what').textContent = 'Signing makes ' + request.alias + ' your Snapshot alias in ' + request.space + ': the bot keeps that key sealed and uses it only to cast the votes you send in chat, for 30 days. This page works until ' + new Date(request.expiresAt).toLocaleTimeString() + '.'
  if (!window.ethereum) show('No browser wallet found. Install one and open this page again.', 'error')
  else $('sign').disabled = false
} catch (error) { $('what').textContent = ''; show(error.message, 'error') }
$('sign').addEventListener('click', async () => {
  $('sign').disabled = true
  try {
    const [address] = await window.ethereum.request({ method: 'eth_requestAccounts' })
    const { typedData } = await getJson(api + '?address=' + address)
    $('message').textContent = JSON.stringify(typedData.message, null, 2); $('message').hidden = false
    show('Waiting for your wallet to sign…')
    const signature = await window.ethereum.request({ method: 'eth_signTypedData_v4', params: [address, JSON.stringify(typedData)] })
    const result = await getJson(api, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address, signature, timestamp: typedData.message.timestamp }) })
    const answer = result.sequencer.status === 'accepted' ? 'Snapshot accepted it (receipt ' + result.sequencer.id + ').'
      : result.sequencer.status === 'rejected' ? 'but Snapshot refused it: ' + result.sequencer.error + '.'
      : 'Snapshot has not answered yet; the chat will tell you.'
    const kind = result.sequencer.status === 'rejected' ? 'error' : 'ok'
    show((kind === 'ok' ? 'Authorized ' + result.authorized + ' until ' + new Date(result.expiresAt).toUTCString() + '. ' : 'Signed, ') + answer + (kind === 'ok' ? ' You can go back to the chat.' : ''), kind)
  } catch (error) { show(error.message || String(error), 'error'); $('sign').disabled = false }
})`,
  })
}
