// Empties dist/ before a build, so no file of a renamed or deleted module is
// left behind to be packed.
import { rmSync } from 'node:fs'

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true })
