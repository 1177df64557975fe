/** The browser-side helpers every wallet-signing page shares, as plain JS run
 *  before the page's own script: finding wallets (EIP-6963, then the legacy
 *  window.ethereum), "Open in wallet" links for phones, and the by-hand form.
 *  Everything user-controlled reaches the DOM through textContent or a
 *  checked attribute, never through innerHTML. */
export const walletPageScript = String.raw`
const token = location.pathname.split('/').pop()
const $ = (id) => document.getElementById(id)
function show(text, kind) {
  $('status').textContent = text
  $('status').className = kind || ''
  // On a phone the by-hand form pushes the status line out of sight.
  if (text && kind) $('status').scrollIntoView({ block: 'nearest' })
}
async function getJson(url, init) {
  const response = await fetch(url, init)
  const body = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(body.error || 'The server answered ' + response.status + '.')
  return body
}
const postJson = (url, body) => getJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
/** EIP-1193 errors carry a code; 4001 is the user saying no in the wallet. */
function explain(error) {
  if (error && error.code === 4001) return 'You rejected the request in your wallet; choose a wallet to try again.'
  return (error && error.message) || String(error)
}
const utf8Hex = (text) => '0x' + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0')).join('')

// EIP-6963: every wallet extension announces itself; one button per wallet.
const wallets = new Map()
let chooseWallet = null
let busy = false
function addWallet(info, provider) {
  if (!info || typeof info.uuid !== 'string' || wallets.has(info.uuid) || !provider || typeof provider.request !== 'function') return
  wallets.set(info.uuid, provider)
  const button = document.createElement('button')
  button.className = 'wallet'
  button.dataset.wallet = info.uuid
  // The spec requires a data: URI icon; anything else could track the visitor.
  if (typeof info.icon === 'string' && /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/.test(info.icon)) {
    const icon = document.createElement('img')
    icon.src = info.icon
    icon.alt = ''
    button.append(icon)
  }
  button.append(document.createTextNode(String(info.name || 'Browser wallet').slice(0, 60)))
  button.disabled = !chooseWallet || busy
  button.addEventListener('click', () => useWallet(provider))
  $('wallet-buttons').append(button)
  if (!chooseWallet) return
  // A wallet that announced itself late replaces the "no wallet" advice.
  $('wallets').hidden = false
  if (!$('open-in-wallet').hidden) { $('open-in-wallet').hidden = true; show('') }
}
window.addEventListener('eip6963:announceProvider', (event) => addWallet(event.detail && event.detail.info, event.detail && event.detail.provider))
window.dispatchEvent(new Event('eip6963:requestProvider'))

function setBusy(value) {
  busy = value
  for (const button of document.querySelectorAll('button.wallet, #hand-show, #hand-submit')) button.disabled = value
}
async function useWallet(provider) {
  setBusy(true)
  try { await chooseWallet(provider) } catch (error) { show(explain(error), 'error'); setBusy(false) }
}

/** Called once the page has said what signing does: only then are wallets offered. */
function offerWallets(onChoose) {
  chooseWallet = onChoose
  if (wallets.size === 0 && window.ethereum && typeof window.ethereum.request === 'function') addWallet({ uuid: 'window.ethereum', name: 'Browser wallet' }, window.ethereum)
  for (const button of document.querySelectorAll('button.wallet')) button.disabled = false
  $('wallets').hidden = wallets.size === 0
  if (wallets.size > 0) return
  // No wallet here: most likely a phone. Offer to reopen this page inside a wallet app, and the by-hand form.
  const here = location.href
  $('open-metamask').href = 'https://link.metamask.io/dapp/' + location.host + location.pathname + location.search
  $('open-coinbase').href = 'https://go.cb-w.com/dapp?cb_url=' + encodeURIComponent(here)
  $('open-trust').href = 'https://link.trustwallet.com/open_url?coin_id=60&url=' + encodeURIComponent(here)
  $('open-in-wallet').hidden = false
  $('by-hand').open = true
  show('No wallet found in this browser. On a phone, open this page in your wallet app; or sign by hand below.')
}

/** The by-hand form: an address, the exact payload for it, a pasted signature. */
function offerByHand({ describe, submit }) {
  $('by-hand').hidden = false
  let address = null
  $('hand-show').addEventListener('click', async () => {
    setBusy(true)
    try {
      const typed = $('hand-address').value.trim()
      if (!/^0x[0-9a-fA-F]{40}$/.test(typed)) throw new Error('Enter your wallet address: 0x followed by 40 hexadecimal characters.')
      $('hand-payload').textContent = await describe(typed)
      address = typed
      $('hand-step2').hidden = false
      show('')
    } catch (error) { show(explain(error), 'error') }
    setBusy(false)
  })
  $('hand-copy').addEventListener('click', async () => {
    try { await navigator.clipboard.writeText($('hand-payload').textContent); show('Copied.') }
    catch { getSelection().selectAllChildren($('hand-payload')); show('Selected; copy it with your device\'s copy command.') }
  })
  $('hand-submit').addEventListener('click', async () => {
    const signature = $('hand-signature').value.trim()
    if (!/^0x[0-9a-fA-F]+$/.test(signature)) return show('Paste the signature your wallet gave you: 0x followed by hexadecimal characters.', 'error')
    setBusy(true)
    try { await submit(address, signature) } catch (error) { show(explain(error), 'error'); setBusy(false) }
  })
}
`
