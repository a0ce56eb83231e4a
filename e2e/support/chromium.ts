/**
 * Debian's Chromium for the browser tests, driven by playwright-core: where it is (CHROMIUM_PATH,
 * else /usr/bin/chromium), why the tests are skipped when it is absent (logged once), and the launch
 * they all use.
 */
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** For `describe(…, { skip })`: false, or why the browser tests are skipped. */
export const skipWithoutChromium: string | false = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium): skipped`
if (skipWithoutChromium) console.log(`# ${skipWithoutChromium}`)

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync']

/** Headless Chromium, quiet on the network (no background requests, QUIC, updates or sync). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS })
}
