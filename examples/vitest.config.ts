import { defineConfig } from 'vitest/config'
import { aliases } from '../vitest.aliases.ts'

export default defineConfig({
  resolve: { alias: aliases },
  test: {
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    exclude: ['leaks/**', '**/node_modules/**'],
  },
})
