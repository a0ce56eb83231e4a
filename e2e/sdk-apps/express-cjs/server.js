// An API on Express in CommonJS, written as an app outside Latchkey's repository writes it.
// ISSUER and AUDIENCE come from the environment; the port it listens on is printed as JSON.
const express = require('express')
const { auth, requireScopes } = require('@latchkey/resource-server/express')

const app = express()
const verify = auth({ issuer: process.env.ISSUER, audience: process.env.AUDIENCE })

app.get('/api/appointments', verify, requireScopes('read:appointments'), (req, res) => {
  res.json({ sub: req.auth.sub, scope: req.auth.scope, resolved: require.resolve('@latchkey/resource-server/express') })
})

const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })))
