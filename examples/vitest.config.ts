import { defineConfig } from 'vitest/config'
// In your project: import { loopPlugin } from 'vitest-loop/plugin'
import { loopPlugin } from '../src/plugin.ts'
import { aliases } from '../vitest.aliases.ts'

export default defineConfig({
  // The one line that gives every test a loop on virtual time:
  plugins: [loopPlugin()],
  resolve: { alias: aliases },
  test: {
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    exclude: ['leaks/**', 'picture/**', '**/node_modules/**'],
  },
})
