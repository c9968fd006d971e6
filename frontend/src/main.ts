import { VueQueryPlugin } from '@tanstack/vue-query'
import { createPinia } from 'pinia'
import { createApp } from 'vue'

import App from './App.vue'
import { apiClient } from './http/client'
import { isApiError } from './http/problem'
import { i18n, loadLocale } from './i18n'
import { createAppQueryClient } from './queries/client'
import { meQuery } from './queries/auth'
import { queryKeys } from './queries/keys'
import { createAppRouter } from './router'
import { useErrorBanner } from './stores/errorBanner'
import './styles/main.css'

void apiClient // configures the generated client (CSRF header, problem errors) before any call

const pinia = createPinia()
const banner = useErrorBanner(pinia)

const queryClient = createAppQueryClient((error) => {
  if (isApiError(error) && (error.code === 'not_authenticated' || error.code === 'session_expired')) {
    // The session ended under us: forget the user and ask for a new login.
    queryClient.setQueryData(queryKeys.auth.me, null)
    const here = router.currentRoute.value
    if (here.meta.requiresAuth) {
      void router.push({ name: 'login', query: { next: here.fullPath } }).then(() => banner.show(error))
      return
    }
  }
  banner.show(error)
})

const router = createAppRouter({ loadMe: () => queryClient.fetchQuery(meQuery) })
router.afterEach((to, from) => {
  if (to.path !== from.path) banner.clear()
})

const app = createApp(App)
app.use(pinia)
app.use(i18n)
app.use(router)
app.use(VueQueryPlugin, { queryClient })
// A reader who chose English gets it on first paint; if it cannot be fetched, the default shows.
loadLocale(i18n.global.locale.value)
  .catch(() => undefined)
  .finally(() => app.mount('#app'))
