// Tests and examples import the package by its name, as a user would; this
// points the name at the sources so no build is needed to run them.
import { fileURLToPath } from 'node:url'

const src = fileURLToPath(new URL('./src/', import.meta.url))

export const aliases = [
  { find: /^vitest-loop$/, replacement: `${src}index.ts` },
  { find: /^vitest-loop\/(core|setup|plugin|global-setup)$/, replacement: `${src}$1.ts` },
]
