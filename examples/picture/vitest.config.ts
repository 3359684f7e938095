// `npm run picture` runs this example with the HTML reporter and draws its
// attached timeline to docs/timeline.png (scripts/picture.ts).
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
