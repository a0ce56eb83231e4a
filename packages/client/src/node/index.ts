export { fileStorage } from './file-storage.js'
export { loginWithLoopback } from './loopback.js'
export type { LoopbackClientOptions, LoopbackOptions, LoopbackResult } from './loopback.js'
export { openSystemBrowser } from './open-browser.js'
