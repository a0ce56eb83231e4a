// A CommonJS TypeScript app: `require` resolves the CommonJS declarations (dist/cjs).
import express = require('express')
import { auth, requireScopes } from '@latchkey/resource-server/express'
import { createVerifier } from '@latchkey/resource-server'

const app = express()
const verifier = createVerifier({ issuer: 'https://login.example.com/', audience: 'https://api.example.com/appointments' })
app.get('/api', auth(verifier), requireScopes('read:appointments'), (req, res) => {
  const sub: string | undefined = req.auth?.sub
  res.json({ sub })
})
// @ts-expect-error: requireScopes takes scope names
requireScopes(1)

export = app
