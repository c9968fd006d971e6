/** The catalogue's filters live in the address bar, so a search can be bookmarked and shared
 * and the back button steps through it. */
import type { LocationQuery } from 'vue-router'

import type { CatalogueSort, District, EntryStatus, ProductType, TechnicalLevel } from '@/api'
import type { CatalogueQuery } from '@/queries/catalogue'

export const LEVELS = [
  'international_leading',
  'international_advanced',
  'domestic_leading',
  'domestic_advanced',
] as const satisfies readonly TechnicalLevel[]

export const PRODUCT_TYPES = [
  'complete_machine',
  'core_component',
  'control_system',
  'basic_material',
  'software',
] as const satisfies readonly ProductType[]

export const DISTRICTS = [
  'dongcheng',
  'xicheng',
  'chaoyang',
  'fengtai',
  'shijingshan',
  'haidian',
  'mentougou',
  'fangshan',
  'tongzhou',
  'shunyi',
  'changping',
  'daxing',
  'huairou',
  'pinggu',
  'miyun',
  'yanqing',
] as const satisfies readonly District[]

export const STATUSES = ['valid', 'expired', 'revoked'] as const satisfies readonly EntryStatus[]

export const SORTS = ['newest', 'name', 'relevance'] as const satisfies readonly CatalogueSort[]

/** The server's limit on `q`. */
export const QUERY_MAX_LENGTH = 100

const FIELD_CODE = /^[a-z][a-z0-9_]{0,59}$/

function single(value: LocationQuery[string]): string {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' ? first : ''
}

function oneOf<T extends string>(allowed: readonly T[], value: string): T | undefined {
  return (allowed as readonly string[]).includes(value) ? (value as T) : undefined
}

/** Reads the filters from a route query; values that cannot be valid are dropped, not sent. */
export function queryFromRoute(route: LocationQuery): CatalogueQuery {
  const q = single(route.q).trim().slice(0, QUERY_MAX_LENGTH)
  const field = single(route.field)
  const year = Number(single(route.year))
  const sort = oneOf(SORTS, single(route.sort))
  return {
    q: q || undefined,
    field: FIELD_CODE.test(field) ? field : undefined,
    level: oneOf(LEVELS, single(route.level)),
    product_type: oneOf(PRODUCT_TYPES, single(route.product_type)),
    district: oneOf(DISTRICTS, single(route.district)),
    year: Number.isInteger(year) && year >= 1900 && year <= 9999 ? year : undefined,
    status: oneOf(STATUSES, single(route.status)),
    // Relevance ranks by the search text; without one the server refuses it.
    sort: sort === 'relevance' && !q ? undefined : sort,
  }
}

/** The route query for a catalogue query: unset members are left out of the address. */
export function routeFromQuery(query: CatalogueQuery): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') out[key] = String(value)
  }
  return out
}

/** The facet filters a visitor has narrowed by (the search text and sort are not filters). */
export function activeFilterCount(query: CatalogueQuery): number {
  const { field, level, product_type, district, year, status } = query
  return [field, level, product_type, district, year, status].filter((v) => v !== undefined).length
}
