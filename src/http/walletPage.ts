/** The shell shared by the wallet-signing pages: styles, a status line, a
 *  Sign button, and `getJson`/`show` helpers for the page's own script. */
export function walletPage({ title, intro, script }: { title: string; intro: string; script: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — Gridshare</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #1b1f24; }
  button { font: inherit; padding: .6rem 1.2rem; border-radius: .4rem; border: 0; background: #2456d6; color: white; cursor: pointer; }
  button:disabled { background: #9aa7bf; cursor: default; }
  pre { white-space: pre-wrap; background: #f3f5f8; padding: .8rem; border-radius: .4rem; font-size: .85rem; }
  #status.error { color: #b42318; } #status.ok { color: #067647; }
</style>
</head>
<body>
<h1>${title}</h1>
<p id="${intro}">Loading…</p>
<button id="sign" disabled>Connect wallet and sign</button>
<p id="status" role="status"></p>
<pre id="message" hidden></pre>
<script type="module">
const token = location.pathname.split('/').pop()
const $ = (id) => document.getElementById(id)
const show = (text, kind) => { $('status').textContent = text; $('status').className = kind || '' }
async function getJson(url, init) {
  const response = await fetch(url, init)
  const body = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(body.error || 'The server answered ' + response.status + '.')
  return body
}
${script}
</script>
</body>
</html>`
}
