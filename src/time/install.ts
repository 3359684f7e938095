/**
 * Installs virtual time into the globals: one patch per process, routed per
 * call to a loop (see route.ts for the rule).
 *
 * Installations stack. A second installTime() while one is active patches
 * nothing twice: it adds its resolver on top (asked first) and patches only
 * the properties no active installation has patched yet. Each uninstall()
 * removes its own resolver, in any order, and restores the properties no
 * remaining installation needs, by their original descriptors, so that after
 * the last one `globalThis.setTimeout === original` again (also when the
 * code between threw: put uninstall in a `finally`, or use `using`).
 */
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { InvalidStateError } from '../loop/errors.ts'
import { EventLoop } from '../loop/event-loop.ts'
import { describeValue, expectFunction, expectOneOf } from '../loop/internal/validate.ts'
import { optionalProperties, propertiesOf, replacements } from './patches.ts'
import { allFakeables, timeState } from './route.ts'
import { syncVmBuiltinExports } from './vm-builtins.ts'
import type { Fakeable, Installation, LoopResolver, PatchRecord } from './route.ts'

export type { Fakeable, LoopResolver } from './route.ts'

// The builtin modules through require, not import: Vitest's vmThreads pool
// gives ESM imports of a builtin a copy of its exports made at the first
// import in the worker, which must come after the patch (from the test file),
// not from here before it.
const require = createRequire(import.meta.url)
const timersModule = require('node:timers') as typeof import('node:timers')
const timersPromises = require('node:timers/promises') as typeof import('node:timers/promises')

/** Options of installTime and installVirtualTime. */
export interface InstallOptions {
  /** Which globals and builtin modules run on virtual time. Default: all of them. */
  toFake?: readonly Fakeable[]
}

/** What installTime returns. */
export interface TimeInstallation {
  /** Removes this installation; the globals are restored once no installation needs them. Idempotent. */
  uninstall(): void
  /** True until uninstall(). */
  readonly installed: boolean
}

/** The objects whose properties are patched, by the prefix of a property name. */
function targetOf(name: string): { target: Record<PropertyKey, unknown>; key: string } {
  const dot = name.lastIndexOf('.')
  const owner = name.slice(0, dot)
  const key = name.slice(dot + 1)
  const targets: Record<string, () => object> = {
    globalThis: () => globalThis,
    performance: () => globalThis.performance,
    process: () => process,
    AbortSignal: () => AbortSignal,
    'node:timers': () => timersModule,
    'node:timers/promises': () => timersPromises,
    'node:timers/promises.scheduler': () => (timersPromises as unknown as { scheduler: object }).scheduler,
  }
  return { target: targets[owner]!() as Record<PropertyKey, unknown>, key }
}

const isModule = (name: string): boolean => name.startsWith('node:')

// The real host functions, as they are when the first copy of vitest-loop
// loads: what a patched function calls when no loop takes the call.
for (const names of Object.values(propertiesOf)) {
  for (const name of names) {
    if (!timeState.originals.has(name)) {
      const { target, key } = targetOf(name)
      timeState.originals.set(name, target[key])
    }
  }
}

/** Throws if another fake-timer library already replaced `name`. */
function checkNotFaked(name: string, value: unknown): void {
  const faked =
    (typeof value === 'function' && ('clock' in value || (value as { isFake?: unknown }).isFake === true))
  if (!faked) return
  const [, what] = /\.([^.]+)$/.exec(name)!
  throw new InvalidStateError(
    `Cannot install virtual time: ${name.replace(/^globalThis\./, '')} is already replaced by fake timers ` +
      `(vi.useFakeTimers() or @sinonjs/fake-timers, found \`${what}.clock\`). ` +
      'Call vi.useRealTimers() (or clock.uninstall()) first.',
  )
}

/** Patches what the active installations need and restores the rest. */
function reconcile(): void {
  const needed = new Set<string>()
  for (const install of timeState.installs) {
    for (const fakeable of install.fakes) for (const name of propertiesOf[fakeable]) needed.add(name)
  }
  const values = replacements()
  let modules = false
  for (const name of needed) {
    if (timeState.patches.has(name)) continue
    const { target, key } = targetOf(name)
    const current = target[key]
    if (current === undefined && optionalProperties.has(name)) continue // not in this environment
    checkNotFaked(name, current)
    const descriptor = Object.getOwnPropertyDescriptor(target, key)
    const value = values.get(name)
    timeState.originals.set(name, current)
    Object.defineProperty(target, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: descriptor?.enumerable ?? false,
    })
    const record: PatchRecord = { target, key, original: descriptor, value }
    timeState.patches.set(name, record)
    if (isModule(name)) modules = true
  }
  for (const [name, record] of timeState.patches) {
    if (needed.has(name)) continue
    if (record.original !== undefined) Object.defineProperty(record.target, record.key, record.original)
    else delete (record.target as Record<PropertyKey, unknown>)[record.key]
    timeState.patches.delete(name)
    if (isModule(name)) modules = true
  }
  // ESM named imports of builtins (`import { setTimeout } from 'node:timers'`) follow module.exports only when told.
  if (modules) {
    syncBuiltinESMExports()
    syncVmBuiltinExports({ timers: timersModule, 'timers/promises': timersPromises })
  }
}

function checkOptions(options: InstallOptions): Set<Fakeable> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`)
  }
  const { toFake } = options
  if (toFake === undefined) return new Set(allFakeables)
  if (!Array.isArray(toFake)) throw new TypeError(`Expected \`toFake\` to be an array, got ${describeValue(toFake)}`)
  for (const name of toFake) expectOneOf('toFake[]', name, allFakeables)
  return new Set(toFake)
}

/**
 * Patches the globals once; each call is routed to the loop `resolve()`
 * returns (undefined => the real host function / real clock). Code running
 * in a loop's callbacks always gets that loop. Installations stack (see the
 * top of this file).
 *
 * @example
 * const installation = installTime(() => currentTest()?.loop)
 * try {
 *   await runTests()
 * } finally {
 *   installation.uninstall()
 * }
 */
export function installTime(resolve: LoopResolver, options: InstallOptions = {}): TimeInstallation {
  expectFunction('resolve', resolve)
  const fakes = checkOptions(options)
  const install: Installation = { resolve, fakes }
  timeState.installs.push(install)
  try {
    reconcile()
  } catch (error) {
    timeState.installs.splice(timeState.installs.indexOf(install), 1)
    reconcile()
    throw error
  }
  let installed = true
  return {
    get installed() {
      return installed
    },
    uninstall() {
      if (!installed) return
      installed = false
      const at = timeState.installs.indexOf(install)
      if (at !== -1) timeState.installs.splice(at, 1)
      reconcile()
    },
  }
}

/**
 * Routes every patched global to `loop`: for scripts and node:test.
 *
 * @example
 * using loop = newEventLoop({ timeFlow: 'auto' })
 * using time = installVirtualTime(loop)
 * await new Promise((resolve) => setTimeout(resolve, 60_000)) // at once
 * loop.time() // 60_000
 */
export function installVirtualTime(loop: EventLoop, options: InstallOptions = {}): TimeInstallation & Disposable {
  if (!(loop instanceof EventLoop)) {
    throw new TypeError(`Expected \`loop\` to be an EventLoop, got ${describeValue(loop)}`)
  }
  const installation = installTime(() => loop, options)
  return {
    get installed() {
      return installation.installed
    },
    uninstall() {
      installation.uninstall()
    },
    [Symbol.dispose]() {
      installation.uninstall()
    },
  }
}
