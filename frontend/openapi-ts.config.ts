import { defineConfig } from '@hey-api/openapi-ts'

// `npm run gen:api` regenerates src/api/ from the committed openapi.json (written by the backend).
export default defineConfig({
  input: './openapi.json',
  output: { path: './src/api' },
  plugins: [
    { name: '@hey-api/client-fetch', baseUrl: false, throwOnError: true },
    '@hey-api/typescript',
    '@hey-api/sdk',
  ],
})
