import { createHash } from 'node:crypto'
import { walletPageScript } from './walletPageScript.ts'

export interface WalletPageParameters {
  /** Static text; no user data goes into the HTML: the page fetches it and writes it with textContent. */
  title: string
  /** Id of the paragraph that says what signing does (kept stable for tests and links). */
  introId: string
  /** Static HTML explaining how to sign by hand (which method, what to paste). */
  byHandHelp: string
  /** The page's own module script; runs after the shared helpers in walletPageScript. */
  script: string
}

const styles = `
  *, *::before, *::after { box-sizing: border-box; }
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f24; overflow-wrap: anywhere; }
  h1 { font-size: 1.5rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
  button, .open { font: inherit; padding: .6rem 1rem; border-radius: .4rem; border: 0; background: #2456d6; color: white; cursor: pointer; text-decoration: none; display: inline-flex; align-items: center; gap: .5rem; margin: 0 .4rem .4rem 0; }
  button:disabled { background: #9aa7bf; cursor: default; }
  button.secondary { background: #e6ebf3; color: #1b1f24; }
  button img { width: 1.4rem; height: 1.4rem; }
  label { display: block; margin-top: .6rem; }
  input, textarea { font: inherit; width: 100%; padding: .5rem; border: 1px solid #9aa7bf; border-radius: .4rem; margin: .2rem 0 .6rem; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f3f5f8; padding: .8rem; border-radius: .4rem; font-size: .85rem; }
  .warning { background: #fff4e5; border-left: 4px solid #b54708; padding: .6rem .8rem; }
  details { margin-top: 1.2rem; } summary { cursor: pointer; font-weight: 600; }
  #status.error { color: #b42318; } #status.ok { color: #067647; } #status.pending { color: #b54708; }
`

/** The shell shared by the wallet-signing pages. Self-contained (no CDN); a
 *  Content-Security-Policy that admits only this script and style by hash,
 *  same-origin fetches and data: icons; no referrer, since the URL holds the token. */
export function walletPage({ title, introId, byHandHelp, script }: WalletPageParameters): string {
  const code = `\n${walletPageScript}\n${script}\n`
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(code)}'`,
    `style-src '${sha256(styles)}'`,
    'img-src data:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} — Gridshare</title>
<style>${styles}</style>
</head>
<body>
<h1 id="title">${escapeHtml(title)}</h1>
<p id="${escapeHtml(introId)}">Loading…</p>
<p id="warning" class="warning" hidden></p>
<section id="wallets" hidden>
<h2>Sign with a wallet in this browser</h2>
<div id="wallet-buttons"></div>
</section>
<section id="open-in-wallet" hidden>
<h2>On a phone? Open this page in your wallet app</h2>
<a class="open" id="open-metamask" rel="noreferrer">Open in MetaMask</a>
<a class="open" id="open-coinbase" rel="noreferrer">Open in Coinbase Wallet</a>
<a class="open" id="open-trust" rel="noreferrer">Open in Trust Wallet</a>
</section>
<p id="status" role="status"></p>
<pre id="message" hidden></pre>
<details id="by-hand" hidden>
<summary>Sign by hand</summary>
${byHandHelp}
<label for="hand-address">Your wallet address</label>
<input id="hand-address" placeholder="0x…" autocomplete="off" autocapitalize="off" spellcheck="false">
<button id="hand-show">Show what to sign</button>
<div id="hand-step2" hidden>
<pre id="hand-payload"></pre>
<button id="hand-copy" class="secondary">Copy</button>
<label for="hand-signature">Signature</label>
<textarea id="hand-signature" rows="3" placeholder="0x…" autocomplete="off" autocapitalize="off" spellcheck="false"></textarea>
<button id="hand-submit">Submit the signature</button>
</div>
</details>
<script type="module">${code}</script>
</body>
</html>`
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
