// `npm run smoke`: packs the package and installs it into a fresh project (see install.smoke.ts).
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/smoke/*.smoke.ts'],
    testTimeout: 60_000,
  },
})
