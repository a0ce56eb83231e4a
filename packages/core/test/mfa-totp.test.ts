import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { newTotpSecret, normalizeTotpCode, totpCode, totpStep, totpUri, verifyTotp } from '../src/mfa/totp.js'

/** RFC 6238 appendix B's SHA-1 seed, the ASCII "12345678901234567890", in base32. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'
const STEP_MS = 30_000

/** RFC 4648 base32 to bytes: the test's own, to check secrets without the library under test. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let buffer = 0
  let bits = 0
  const out: number[] = []
  for (const ch of text) {
    const v = alphabet.indexOf(ch)
    assert.ok(v >= 0, `not base32: ${ch}`)
    buffer = (buffer << 5) | v
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out.push((buffer >>> bits) & 0xff)
    }
  }
  return Buffer.from(out)
}

/** RFC 4226 §5.3 HOTP with SHA-1 and 6 digits, straight from the RFC: an independent reference. */
function referenceCode(secret: string, step: number): string {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(step))
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest()
  const offset = mac[19]! & 0xf
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000
  return String(binary).padStart(6, '0')
}

describe('TOTP (RFC 6238): codes', () => {
  it("computes RFC 6238 appendix B's SHA-1 values (their last six digits: an 8-digit code mod 10^6)", () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ]
    for (const [seconds, eight] of vectors) assert.equal(totpCode(RFC_SECRET, seconds * 1000), eight.slice(2), `T = ${seconds}`)
  })

  it('matches an independent RFC 4226 computation for fresh secrets and times', () => {
    for (let i = 0; i < 20; i++) {
      const secret = newTotpSecret()
      const now = 1_700_000_000_000 + i * 7_777_777
      assert.equal(totpCode(secret, now), referenceCode(secret, Math.floor(now / STEP_MS)))
    }
  })

  it('keeps the code for the whole 30-second step, and the step is floor(ms / 30000)', () => {
    const start = 1_700_000_010_000 // a step boundary: 1_700_000_010_000 / 30_000 = 56_666_667
    assert.equal(totpStep(start), 56_666_667)
    assert.equal(totpStep(start - 1), 56_666_666)
    assert.equal(totpCode(RFC_SECRET, start), totpCode(RFC_SECRET, start + STEP_MS - 1))
    assert.notEqual(totpCode(RFC_SECRET, start), totpCode(RFC_SECRET, start + STEP_MS))
  })
})

describe('TOTP: secrets and the otpauth:// URI', () => {
  it('makes a new secret of 20 random bytes as 32 base32 characters', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => newTotpSecret()))
    assert.equal(secrets.size, 50)
    for (const secret of secrets) {
      assert.match(secret, /^[A-Z2-7]{32}$/)
      assert.equal(base32Decode(secret).length, 20)
    }
  })

  it('writes the Key URI Format with issuer prefix, issuer parameter and explicit SHA1/6/30', () => {
    assert.equal(
      totpUri({ secret: 'JBSWY3DPEHPK3PXP', issuer: 'Latchkey', account: 'ada@example.com' }),
      'otpauth://totp/Latchkey:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Latchkey&algorithm=SHA1&digits=6&period=30',
    )
  })

  it('percent-encodes issuer and account, colons included, so the label splits once', () => {
    const uri = totpUri({ secret: 'JBSWY3DPEHPK3PXP', issuer: 'ACME Co: staging', account: 'a:b@example.com' })
    assert.equal(uri, 'otpauth://totp/ACME%20Co%3A%20staging:a%3Ab%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co%3A%20staging&algorithm=SHA1&digits=6&period=30')
    const url = new URL(uri)
    assert.equal(url.searchParams.get('issuer'), 'ACME Co: staging')
    assert.equal(decodeURIComponent(url.pathname.slice(1).split(':')[1]!), 'a:b@example.com')
  })
})

describe('TOTP: verification', () => {
  const secret = newTotpSecret()
  const now = 1_700_000_025_000 // mid-step
  const step = totpStep(now)
  const codeAt = (s: number) => totpCode(secret, s * STEP_MS)

  it('accepts the current code and returns its step', () => {
    assert.equal(verifyTotp(secret, codeAt(step), now), step)
  })

  it('accepts the previous and the next step (±30 s of drift) and returns the step that matched', () => {
    assert.equal(verifyTotp(secret, codeAt(step - 1), now), step - 1)
    assert.equal(verifyTotp(secret, codeAt(step + 1), now), step + 1)
  })

  it('refuses a code two steps old or two steps ahead', () => {
    assert.equal(verifyTotp(secret, codeAt(step - 2), now), null)
    assert.equal(verifyTotp(secret, codeAt(step + 2), now), null)
  })

  it('keeps the window at exactly one step either side at both edges of a step', () => {
    for (const at of [step * STEP_MS, step * STEP_MS + STEP_MS - 1]) {
      assert.equal(verifyTotp(secret, codeAt(step - 1), at), step - 1)
      assert.equal(verifyTotp(secret, codeAt(step + 1), at), step + 1)
      assert.equal(verifyTotp(secret, codeAt(step - 2), at), null)
      assert.equal(verifyTotp(secret, codeAt(step + 2), at), null)
    }
  })

  it('refuses a wrong code and a code of another secret', () => {
    const right = codeAt(step)
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0')
    assert.equal(verifyTotp(secret, wrong, now), null)
    assert.equal(verifyTotp(newTotpSecret(), right, now), null)
  })

  it('refuses a replay: the step recorded last time and any earlier one, but not a later one', () => {
    assert.equal(verifyTotp(secret, codeAt(step), now, step), null)
    assert.equal(verifyTotp(secret, codeAt(step - 1), now, step), null)
    assert.equal(verifyTotp(secret, codeAt(step + 1), now, step), step + 1)
    assert.equal(verifyTotp(secret, codeAt(step), now, step - 1), step)
  })

  it('refuses everything, without throwing, when the last used step is at or past the end of the window (a clock that went back)', () => {
    for (const s of [step - 1, step, step + 1]) {
      assert.equal(verifyTotp(secret, codeAt(s), now, step + 1), null)
      assert.equal(verifyTotp(secret, codeAt(s), now, step + 50), null)
    }
  })

  it('treats a negative last used step as none', () => {
    assert.equal(verifyTotp(secret, codeAt(step), now, -1), step)
  })

  it('ignores spaces in a code ("123 456", as apps show it)', () => {
    const code = codeAt(step)
    assert.equal(verifyTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now), step)
    assert.equal(verifyTotp(secret, ` ${code}\t`, now), step)
  })

  it('refuses anything but six ASCII digits, without throwing', () => {
    const code = codeAt(step)
    for (const bad of ['', '12345', '1234567', `${code}0`, code.slice(1), '12a456', '123-456', '１２３４５６', '+12345', '1e5000', 'x'.repeat(10_000)]) {
      assert.equal(verifyTotp(secret, bad, now), null, JSON.stringify(bad.slice(0, 20)))
    }
    assert.equal(verifyTotp(secret, `${code.slice(0, 3)}-${code.slice(3)}`, now), null, 'a dash is not a space')
  })

  it('normalises input to six digits or null', () => {
    assert.equal(normalizeTotpCode(' 012 345 '), '012345')
    assert.equal(normalizeTotpCode('012345'), '012345')
    assert.equal(normalizeTotpCode(12345), null)
    assert.equal(normalizeTotpCode(null), null)
    assert.equal(normalizeTotpCode('01234'), null)
  })
})
