import { defineStore } from 'pinia'
import { ref } from 'vue'

import type { Problem } from '@/api'
import { isApiError } from '@/http/problem'

/** The app-wide error banner: the last problem nobody handled on the spot. */
export const useErrorBanner = defineStore('errorBanner', () => {
  const problem = ref<Pick<Problem, 'code' | 'title' | 'request_id'> | null>(null)

  function show(error: unknown) {
    problem.value = isApiError(error)
      ? { code: error.code, title: error.problem.title, request_id: error.requestId }
      : { code: 'internal_error', title: '', request_id: null }
  }

  function clear() {
    problem.value = null
  }

  return { problem, show, clear }
})
