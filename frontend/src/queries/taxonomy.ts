import { useQuery } from '@tanstack/vue-query'
import { computed } from 'vue'
import { useI18n } from 'vue-i18n'

import { taxonomyListDistricts, taxonomyReadTaxonomy } from '@/api'
import type { Taxonomy, Term } from '@/api'
import '@/http/client'

import { queryKeys } from './keys'

export function useDistricts() {
  return useQuery({
    queryKey: queryKeys.taxonomy.districts,
    queryFn: async () => (await taxonomyListDistricts()).data,
    staleTime: Infinity,
  })
}

export function useTaxonomy() {
  return useQuery({
    queryKey: queryKeys.taxonomy.all,
    queryFn: async () => (await taxonomyReadTaxonomy()).data,
    staleTime: Infinity,
  })
}

export type TermKind = 'fields' | 'product_types' | 'technical_levels' | 'districts'

/** Bilingual vocabulary terms, labelled in the current language (the code until loaded). */
export function useTerms() {
  const taxonomy = useTaxonomy()
  const { locale } = useI18n()

  const termName = (term: Term) => (locale.value === 'en' ? term.name_en : term.name_zh)

  const maps = computed(() => {
    const data: Taxonomy | undefined = taxonomy.data.value
    const result = {} as Record<TermKind, Map<string, string>>
    for (const kind of ['fields', 'product_types', 'technical_levels', 'districts'] as const) {
      result[kind] = new Map((data?.[kind] ?? []).map((term) => [term.code, termName(term)]))
    }
    return result
  })

  return {
    taxonomy,
    /** The label of `code` in vocabulary `kind`; '' for a missing value. */
    label: (kind: TermKind, code: string | null | undefined): string =>
      code ? (maps.value[kind].get(code) ?? code) : '',
    /** `{ code, label }` options of a vocabulary, optionally limited to `codes` (in their order). */
    options: (kind: TermKind, codes?: readonly string[]) => {
      const terms = taxonomy.data.value?.[kind] ?? []
      const chosen = codes ? codes.map((c) => terms.find((t) => t.code === c) ?? { code: c, name_zh: c, name_en: c }) : terms
      return chosen.map((term) => ({ code: term.code, label: termName(term) }))
    },
    isRegulated: (field: string | null | undefined) =>
      !!field && (taxonomy.data.value?.regulated_fields ?? []).includes(field),
  }
}
