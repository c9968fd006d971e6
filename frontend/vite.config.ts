import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus per-component imports (JS + CSS) instead of the whole library.
    AutoImport({
      resolvers: [ElementPlusResolver()],
      dts: 'src/auto-imports.d.ts',
    }),
    Components({
      resolvers: [ElementPlusResolver()],
      dirs: [],
      dts: 'src/components.d.ts',
    }),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  define: {
    // Screens use `useI18n()` and `<script setup>` only: no `$t`, `v-t`, `<i18n-t>` nor Options
    // API components, so their runtime support stays out of every page's first load.
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_OPTIONS_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
  server: {
    // `npm run dev` talks to a local API (`firstset serve`) on the same origin.
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // The performance budget reads which chunks a route loads from the manifest.
    manifest: true,
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    // Element Plus' ES build imports its CSS; let Vite (not Node) load it in tests.
    server: { deps: { inline: ['element-plus'] } },
  },
})
