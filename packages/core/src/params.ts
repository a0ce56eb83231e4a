/**
 * Request parameters as received: every name with all of its values, so repeated parameters can be
 * refused (RFC 6749 §3.1, §3.2) instead of silently picking one.
 */
export type RawParams = ReadonlyMap<string, readonly string[]>

export const MAX_PARAM_LENGTH = 4096

export function paramsFrom(search: URLSearchParams): Map<string, string[]> {
  const map = new Map<string, string[]>()
  for (const [name, value] of search) {
    const values = map.get(name)
    if (values) values.push(value)
    else map.set(name, [value])
  }
  return map
}

export function paramsFromObject(object: Record<string, unknown>): Map<string, string[]> | null {
  const map = new Map<string, string[]>()
  for (const [name, value] of Object.entries(object)) {
    if (typeof value === 'string') map.set(name, [value])
    else if (typeof value === 'number' || typeof value === 'boolean') map.set(name, [String(value)])
    else if (value === null || value === undefined) continue
    else return null
  }
  return map
}

/** Names that appear more than once. Empty values count: `a=&a=x` repeats `a`. */
export function repeatedNames(params: RawParams): string[] {
  return [...params].filter(([, values]) => values.length > 1).map(([name]) => name)
}

/** The single value of a parameter; an empty string counts as absent (RFC 6749 §3.1). */
export function single(params: RawParams, name: string): string | undefined {
  const value = params.get(name)?.[0]
  return value === undefined || value === '' ? undefined : value
}
