import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{protocol,models,edge-agent,hub,dashboard,test,bench}/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // building real models and starting real processes takes longer than vitest's 5 s default
    testTimeout: 120_000,
    hookTimeout: 300_000,
    globalSetup: ['test/global-setup.ts'],
  },
})
