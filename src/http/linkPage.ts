/** A plain page driving the browser wallet (EIP-1193): request accounts,
 *  fetch the message for that address, personal_sign, post the signature. */
export function linkPageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Link your wallet — Gridshare</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #1b1f24; }
  button { font: inherit; padding: .6rem 1.2rem; border-radius: .4rem; border: 0; background: #2456d6; color: white; cursor: pointer; }
  button:disabled { background: #9aa7bf; cursor: default; }
  pre { white-space: pre-wrap; background: #f3f5f8; padding: .8rem; border-radius: .4rem; font-size: .85rem; }
  #status.error { color: #b42318; } #status.ok { color: #067647; }
</style>
</head>
<body>
<h1>Link your wallet</h1>
<p id="who">Loading…</p>
<button id="sign" disabled>Connect wallet and sign</button>
<p id="status" role="status"></p>
<pre id="message" hidden></pre>
<script type="module">
const token = location.pathname.split('/').pop()
const api = '/api/v1/link/' + encodeURIComponent(token)
const $ = (id) => document.getElementById(id)
const show = (text, kind) => { $('status').textContent = text; $('status').className = kind || '' }
async function getJson(url, init) {
  const response = await fetch(url, init)
  const body = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(body.error || 'The server answered ' + response.status + '.')
  return body
}
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
})
</script>
</body>
</html>`
}
