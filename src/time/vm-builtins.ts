/**
 * `syncBuiltinESMExports()` for Vitest's vm pools (vmThreads, vmForks).
 *
 * There, an ESM import of a builtin (`import { setTimeout } from
 * 'node:timers/promises'` in a test file) is served by a vm SyntheticModule
 * that Vitest makes once per worker and fills with the builtin's exports as
 * they are then, before any setup file runs (Vitest's own runner imports
 * node:timers/promises in the context first). Node's syncBuiltinESMExports()
 * does not reach those modules, so named imports would stay on real time.
 * This sets their exports again from the patched module objects, as Node
 * does for its own ESM builtins.
 *
 * Vitest keeps these modules in an internal cache, reached here through the
 * `__vitest_vm_context__` property it defines on the context (Vitest 4.1).
 * Every step is checked: when the shape is not there (not a vm pool, another
 * Vitest), this does nothing.
 * @internal
 */

interface SyntheticModuleLike {
  readonly namespace: Record<string, unknown>
  setExport(name: string, value: unknown): void
}

interface VmContextLike {
  externalModulesExecutor?: { cjs?: { moduleCache?: { entries?: unknown } } }
}

function isSyntheticModule(value: unknown): value is SyntheticModuleLike {
  return typeof value === 'object' && value !== null && typeof (value as SyntheticModuleLike).setExport === 'function'
}

/** Re-reads each cached builtin module named in `modules` (`'timers'`, `'timers/promises'`) from its module object. */
export function syncVmBuiltinExports(modules: Readonly<Record<string, object>>): void {
  const vm = (globalThis as { __vitest_vm_context__?: VmContextLike }).__vitest_vm_context__
  const cache = vm?.externalModulesExecutor?.cjs?.moduleCache
  if (cache === undefined || typeof cache.entries !== 'function') return
  for (const [identifier, module] of (cache as Map<string, unknown>).entries()) {
    if (typeof identifier !== 'string') continue
    const source = modules[identifier.replace(/^node:/, '')] as Record<string, unknown> | undefined
    if (source === undefined || !isSyntheticModule(module)) continue
    try {
      for (const name of Object.keys(module.namespace)) {
        if (name !== 'default') module.setExport(name, source[name])
      }
    } catch {
      // Not linked yet: it will read the module object when it is.
    }
  }
}
