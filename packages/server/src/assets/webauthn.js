/*
 * Latchkey's security-key and passkey forms (views/webauthn.ts), with @simplewebauthn/browser
 * (the global SimpleWebAuthnBrowser, loaded just before). Each form names its ceremony and where its
 * options come from; on submit: fetch the options (with the form token), ask the authenticator, put
 * its answer in the form's `response` field and post the form. The buttons stay disabled, with a
 * message, where WebAuthn is not available; on the login page (`data-autofill`, left out after a
 * failure), the browser's autofill of the email field also offers passkeys (conditional UI).
 */
;(() => {
  'use strict'
  const lib = window.SimpleWebAuthnBrowser
  const forms = Array.from(document.querySelectorAll('form[data-webauthn]'))

  const say = (form, text) => {
    const status = form.querySelector('[data-webauthn-status]')
    if (status) status.textContent = text
  }

  if (!lib || !lib.browserSupportsWebAuthn()) {
    for (const form of forms) say(form, 'This browser cannot use security keys or passkeys. Use another way, or another browser.')
    return
  }

  async function optionsFor(form) {
    const res = await fetch(form.dataset.options, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: form.elements.csrf.value }),
    })
    if (!res.ok) throw new Error(res.status === 429 ? 'Too many attempts: wait a little and try again.' : 'This page has expired: reload it and try again.')
    return res.json()
  }

  function explain(err) {
    if (err && err.name === 'NotAllowedError') return 'Cancelled, or no security key or passkey answered. Try again.'
    if (err && err.name === 'InvalidStateError') return 'This security key or passkey is already registered for your account.'
    if (err && err.name === 'AbortError') return ''
    return (err && err.message) || 'That did not work. Try again.'
  }

  async function run(form, autofill) {
    const optionsJSON = await optionsFor(form)
    const response = form.dataset.webauthn.startsWith('register')
      ? await lib.startRegistration({ optionsJSON })
      : await lib.startAuthentication({ optionsJSON, useBrowserAutofill: autofill })
    form.elements.response.value = JSON.stringify(response)
    say(form, 'Checking…')
    form.submit()
  }

  for (const form of forms) {
    const button = form.querySelector('button')
    if (button) button.disabled = false
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      say(form, 'Follow your browser’s instructions…')
      run(form, false).catch((err) => say(form, explain(err)))
    })
    if (form.dataset.autofill === 'on' && document.querySelector('input[autocomplete~="webauthn"]')) {
      lib
        .browserSupportsWebAuthnAutofill()
        .then((supported) => supported && run(form, true))
        .catch(() => {})
    }
  }
})()
