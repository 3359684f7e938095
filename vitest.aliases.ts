// Tests and examples import the package by its name, as a user would; this
// points the name at the sources so no build is needed to run them.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const src = fileURLToPath(new URL('./src/', import.meta.url))

/**
 * A nested Vitest of another version (test/e2e/run-vitest.ts sets this to its
 * package folder): `vitest` in the fixtures and in src/ must be that Vitest,
 * not the one next to this repository.
 */
const otherVitest = process.env.VITEST_LOOP_NESTED_VITEST

export const aliases = [
  { find: /^vitest-loop$/, replacement: `${src}index.ts` },
  { find: /^vitest-loop\/(core|setup|plugin|global-setup)$/, replacement: `${src}$1.ts` },
  ...(otherVitest === undefined ? [] : [{ find: /^vitest$/, replacement: path.join(otherVitest, 'dist/index.js') }]),
]
