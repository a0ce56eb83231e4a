import type { Page } from '../contract.js'

export const DEFAULT_PER_PAGE = 50
export const MAX_PER_PAGE = 100

/** LIMIT/OFFSET for a zero-based page: perPage defaults to 50 and is clamped to 1..100. */
export function pageWindow(page: Page = {}): { limit: number; offset: number } {
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Math.floor(page.perPage ?? DEFAULT_PER_PAGE) || DEFAULT_PER_PAGE))
  const index = Math.max(0, Math.floor(page.page ?? 0) || 0)
  return { limit: perPage, offset: index * perPage }
}
