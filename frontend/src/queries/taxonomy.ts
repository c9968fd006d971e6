import { useQuery } from '@tanstack/vue-query'

import { taxonomyListDistricts } from '@/api'
import '@/http/client'

import { queryKeys } from './keys'

export function useDistricts() {
  return useQuery({
    queryKey: queryKeys.taxonomy.districts,
    queryFn: async () => (await taxonomyListDistricts()).data,
    staleTime: Infinity,
  })
}
