import { useInfiniteQuery, useQuery } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import {
  awardsGetCertificate,
  awardsListKeys,
  catalogueGetProduct,
  catalogueListProducts,
  catalogueProductFacets,
  followUpPublicProjects,
} from '@/api'
import type { CatalogueSort, District, EntryStatus, ProductType, TechnicalLevel } from '@/api'
import '@/http/client'

import { LOCAL_ERRORS, queryKeys } from './keys'

/** What the catalogue is narrowed to; every member is optional and maps to one API filter. */
export type CatalogueFilters = {
  q?: string
  field?: string
  level?: TechnicalLevel
  product_type?: ProductType
  district?: District
  year?: number
  status?: EntryStatus
}

export type CatalogueQuery = CatalogueFilters & { sort?: CatalogueSort }

export const CATALOGUE_PAGE_SIZE = 20

/** Public answers may be reused for a minute, as the server's Cache-Control allows. */
const PUBLIC_STALE_MS = 60_000

/** The filters as API query parameters: unset members are left out, not sent empty. */
export function filterParams(filters: CatalogueFilters) {
  return {
    q: filters.q || undefined,
    field: filters.field || undefined,
    level: filters.level || undefined,
    product_type: filters.product_type || undefined,
    district: filters.district || undefined,
    year: filters.year || undefined,
    status: filters.status || undefined,
  }
}

/** Awarded products, a keyset page at a time (public). */
export function useCatalogue(query: Ref<CatalogueQuery>) {
  return useInfiniteQuery({
    queryKey: computed(() => queryKeys.catalogue.list({ ...query.value })),
    queryFn: async ({ pageParam }) =>
      (
        await catalogueListProducts({
          query: {
            ...filterParams(query.value),
            sort: query.value.sort || undefined,
            limit: CATALOGUE_PAGE_SIZE,
            cursor: pageParam ?? undefined,
          },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
    staleTime: PUBLIC_STALE_MS,
    meta: LOCAL_ERRORS,
  })
}

/** Counts per facet for the current filter (public). */
export function useCatalogueFacets(filters: Ref<CatalogueFilters>) {
  return useQuery({
    queryKey: computed(() => queryKeys.catalogue.facets({ ...filters.value })),
    queryFn: async () => (await catalogueProductFacets({ query: filterParams(filters.value) })).data,
    staleTime: PUBLIC_STALE_MS,
    // The counts of the previous filter stay on screen until the new ones arrive.
    placeholderData: (previous) => previous,
    meta: LOCAL_ERRORS,
  })
}

export function useCatalogueProduct(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.catalogue.product(id.value)),
    queryFn: async () => (await catalogueGetProduct({ path: { award_id: id.value } })).data,
    enabled: computed(() => !!id.value),
    staleTime: PUBLIC_STALE_MS,
    meta: LOCAL_ERRORS,
  })
}

/** The product's verified demonstration projects its maker agreed to publish (public). */
export function usePublicProjects(awardId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.catalogue.projects(awardId.value)),
    queryFn: async () => (await followUpPublicProjects({ query: { award_id: awardId.value } })).data,
    enabled: computed(() => !!awardId.value),
    staleTime: PUBLIC_STALE_MS,
    meta: LOCAL_ERRORS,
  })
}

/** A certificate's public status, signed payload and signature; 404 for an unknown number. */
export function useCertificate(number: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.certificates.detail(number.value)),
    queryFn: async () => (await awardsGetCertificate({ path: { number: number.value } })).data,
    enabled: computed(() => !!number.value),
    // A revocation must show at once on the page a QR code leads to.
    staleTime: 0,
    retry: false,
    meta: LOCAL_ERRORS,
  })
}

/** The published signing keys, retired ones included. */
export function useCertificateKeys() {
  return useQuery({
    queryKey: queryKeys.certificates.keys,
    queryFn: async () => (await awardsListKeys()).data,
    staleTime: PUBLIC_STALE_MS,
    meta: LOCAL_ERRORS,
  })
}

export type ExportFormat = 'csv' | 'xlsx' | 'json'

/** The open-data download of the current filter and sort; a plain link the browser saves. */
export function catalogueExportUrl(format: ExportFormat, query: CatalogueQuery, locale: string): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(filterParams(query))) {
    if (value !== undefined) params.set(key, String(value))
  }
  if (query.sort) params.set('sort', query.sort)
  if (format !== 'json') params.set('lang', locale.startsWith('zh') ? 'zh' : 'en')
  const search = params.toString()
  return `/api/v1/catalogue/export.${format}${search ? `?${search}` : ''}`
}
