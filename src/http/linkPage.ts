import { walletPage } from './walletPage.ts'

/** The /link page driving the browser wallet (EIP-1193): request accounts,
 *  fetch the message for that address, personal_sign, post the signature. */
export function linkPageHtml(): string {
  return walletPage({
    title: 'Link your wallet',
    intro: 'who',
    script: `const api = '/api/v1/link/' + encodeURIComponent(token)
try {
  const challenge = await getJson(api)
  $('who').textContent = 'This links your wallet to ' + challenge.identity + '. The request expires at ' + new Date(challenge.expiresAt).toLocaleTimeString() + '.'
  if (!window.ethereum) show('No browser wallet found. Install one, or sign by hand with /link <address> in chat.', 'error')
  else $('sign').disabled = false
} catch (error) { $('who').textContent = ''; show(error.message, 'error') }
$('sign').addEventListener('click', async () => {
  $('sign').disabled = true
  try {
    const [address] = await window.ethereum.request({ method: 'eth_requestAccounts' })
    const { message } = await getJson(api + '?address=' + address)
    $('message').textContent = message; $('message').hidden = false
    show('Waiting for your wallet to sign…')
    const signature = await window.ethereum.request({ method: 'personal_sign', params: [message, address] })
    const result = await getJson(api, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address, message, signature }) })
    show('Linked ' + result.linked + '. You can go back to the chat.', 'ok')
  } catch (error) { show(error.message || String(error), 'error'); $('sign').disabled = false }
})`,
  })
}
