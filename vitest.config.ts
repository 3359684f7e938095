import { defineConfig } from 'vitest/config'
import { aliases } from './vitest.aliases.ts'

export default defineConfig({
  resolve: { alias: aliases },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/fixtures/**', '**/node_modules/**'],
  },
})
