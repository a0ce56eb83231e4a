/**
 * What the pages need to know at run time, served to them as `/config.json` (shared by the server
 * and the browser code; no dependencies, so the bundle stays small).
 */
export interface AppSettings {
  /** Latchkey's issuer, with its trailing slash, e.g. `http://localhost:3000/`. */
  readonly issuer: string
  /** The single-page app's client id, registered in Latchkey with this server's callbacks. */
  readonly clientId: string
  /** The Appointments API's identifier (the `audience` tokens are asked for). */
  readonly audience: string
  readonly scope: string
  /** Where the Appointments API listens, e.g. `http://localhost:4000`. */
  readonly apiUrl: string
}

export const DEFAULT_SETTINGS: AppSettings = {
  issuer: 'http://localhost:3000/',
  clientId: 'latchkey-demo-spa',
  audience: 'https://api.example.com/appointments',
  scope: 'openid profile email offline_access read:appointments write:appointments',
  apiUrl: 'http://localhost:4000',
}
