import { defineConfig } from 'vite'

/** The hub `vite` (dev) and `vite preview` forward `/api` to; the built app is served by the hub itself. */
const hubApi = process.env.EDGEFLEET_HUB_API ?? 'http://127.0.0.1:8080'
const proxy = { '/api': { target: hubApi } }

export default defineConfig({
  // the hub serves dist/ at `/`, on the same origin as `/api/v1`
  base: '/',
  // vite 8 transforms TSX with oxc, whose automatic JSX runtime defaults to React: name Preact's
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true },
  server: { proxy },
  preview: { proxy },
})
