/** Time is injected, so tests can freeze it. Epoch milliseconds. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export const toSeconds = (ms: number): number => Math.floor(ms / 1000)
