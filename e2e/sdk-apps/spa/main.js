// A single-page app on @latchkey/client: the README's example, with its settings read from
// /config.json (the issuer's port is only known when the test runs). It shows its state in #out.
import { createClient } from '@latchkey/client'

const out = (value) => {
  document.getElementById('out').textContent = JSON.stringify(value)
}

async function main() {
  const config = await (await fetch('/config.json')).json()
  const auth = createClient({
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: `${location.origin}/callback`,
    audience: config.audience,
    scope: 'openid profile email read:appointments',
    allowInsecureRequests: true, // the test's issuer is http://localhost
  })

  if (location.pathname === '/callback') {
    await auth.handleCallback(location.href) // the code is exchanged, the ID token checked
    history.replaceState(null, '', '/')
  }
  if (!(await auth.isAuthenticated())) {
    document.getElementById('login').addEventListener('click', async () => location.assign(await auth.buildAuthorizeUrl()))
    out({ loggedIn: false })
    return
  }
  const user = await auth.getUser()
  out({ loggedIn: true, email: user.email, accessToken: await auth.getAccessToken() })
}

main().catch((err) => out({ error: err.code ?? err.name, message: err.message }))
