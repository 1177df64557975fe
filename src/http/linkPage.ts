import { walletPage } from './walletPage.ts'

/** The /link page. It first says, in plain words, which chat user the wallet
 *  will be linked to (or whose account an unfreeze signature unfreezes) and
 *  warns that signing hands that user the wallet's account; only then does it
 *  offer wallets (EIP-6963 or window.ethereum, personal_sign), "Open in
 *  wallet" links on phones, and the by-hand form. All post to the same API. */
export function linkPageHtml(): string {
  return walletPage({
    title: 'Link your wallet',
    introId: 'who',
    byHandHelp: `<p>Use this when your wallet is on another device. Enter the address you will sign with, sign the text shown with
<em>personal_sign</em> (in most wallets: "Sign message"), exactly as shown, then paste the signature here.
In chat you can do the same: send <code>/link 0xYourAddress</code> to get the text there, then <code>/verify &lt;signature&gt;</code>.</p>`,
    script: String.raw`const api = '/api/v1/link/' + encodeURIComponent(token)
const messageFor = async (address) => (await getJson(api + '?address=' + encodeURIComponent(address))).message
/** The API answers { status, address, message }; an older one answered { linked }: both read the same here. */
function finish(result, address) {
  const shown = result.address || result.linked || address
  show(result.message || ('Linked ' + shown + '. You can go back to the chat.'), result.status === 'merge_pending' ? 'pending' : 'ok')
}
try {
  const challenge = await getJson(api)
  const unfreeze = challenge.purpose === 'unfreeze'
  if (unfreeze) { $('title').textContent = 'Unfreeze your account'; document.title = 'Unfreeze your account — Gridshare' }
  const until = ' This page works until ' + new Date(challenge.expiresAt).toLocaleTimeString() + '.'
  $('who').textContent = (unfreeze ? 'Signing unfreezes the Gridshare account of ' : 'Signing links your wallet to ') + challenge.identity + '.' + until
  $('warning').textContent = unfreeze
    ? "If this is not you, close this page: signing unfreezes that chat user's Gridshare account."
    : "If this is not you, close this page: signing gives that chat user control over this wallet's Gridshare account."
  $('warning').hidden = false
  offerWallets(async (provider) => {
    const [address] = await provider.request({ method: 'eth_requestAccounts' })
    const message = await messageFor(address)
    $('message').textContent = message
    $('message').hidden = false
    show('Waiting for your wallet to sign…')
    const signature = await provider.request({ method: 'personal_sign', params: [utf8Hex(message), address] })
    finish(await postJson(api, { signature, address }), address)
  })
  offerByHand({
    describe: messageFor,
    submit: async (address, signature) => finish(await postJson(api, { signature, address }), address),
  })
} catch (error) { $('who').textContent = ''; show(explain(error), 'error') }`,
  })
}
