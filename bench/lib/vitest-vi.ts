/**
 * Vitest's own fake timers (`vi.useFakeTimers()` and friends), driven from a
 * plain Node process: the real `vi` object from the installed vitest, whose
 * FakeTimers class wraps the copy of @sinonjs/fake-timers that vitest bundles.
 * Outside a test run `vi` reads one thing from the worker state, the
 * `fakeTimers` config, so that is all this provides, with vitest's own
 * defaults. Nothing of vitest's timer code is replaced.
 */
import { createRequire } from 'node:module'
import { configDefaults } from 'vitest/config'

const stateKey = '__vitest_worker__'
const g = globalThis as Record<string, unknown>
g[stateKey] ??= { config: { fakeTimers: { ...configDefaults.fakeTimers } } }

export const { vi } = await import('vitest')

const require = createRequire(import.meta.url)
/** The installed vitest version. */
export const vitestVersion: string = (require('vitest/package.json') as { version: string }).version
/** The @sinonjs/fake-timers version vitest bundles (its devDependency, inlined at build). */
export const vitestSinonVersion: string = (
  require('vitest/package.json') as { devDependencies: Record<string, string> }
).devDependencies['@sinonjs/fake-timers'] ?? '?'
