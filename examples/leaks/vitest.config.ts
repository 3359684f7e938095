// These examples fail on purpose: test/e2e/examples-leaks.test.ts runs them
// in a nested Vitest and checks each report.
import { defineConfig } from 'vitest/config'
// In your project: import { loopPlugin } from 'vitest-loop/plugin'
import { loopPlugin } from '../../src/plugin.ts'
import { aliases } from '../../vitest.aliases.ts'

export default defineConfig({
  plugins: [loopPlugin()],
  resolve: { alias: aliases },
  test: {
    root: import.meta.dirname,
    include: ['*.test.ts'],
  },
})
