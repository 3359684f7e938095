// QUnit 1.x's globals-style API (`qunitjs`: module, test, expect, ok, equal,
// start, stop), as far as the suites of the corpus use it, on Vitest's collector.
// The generated config aliases `qunitjs` to this file. QUnit records a failed
// assertion and goes on; the test fails at its end with every failure.
// stop() holds the test open until the matching start().
import { isDeepStrictEqual } from 'node:util'
import { test as vitestTest } from 'vitest'

// The suite reads `window.QUnit.config` at its top level.
globalThis.window ??= globalThis
globalThis.window.QUnit ??= { config: {} }

/** The running test: its assertions, its stop() count, and how to finish it. */
let current

let currentModule = ''

function record(passed, message, details) {
  if (current === undefined) throw new Error(`assertion outside a test: ${message ?? ''}`)
  current.count++
  if (!passed) current.failures.push(details === undefined ? String(message) : `${message ?? 'assertion failed'}: ${details}`)
}

function finish(test) {
  if (test.done) return
  test.done = true
  const failures = [...test.failures]
  if (test.expected !== undefined && test.count !== test.expected) {
    failures.push(`Expected ${test.expected} assertions, but ${test.count} were run`)
  }
  if (failures.length === 0) test.resolve()
  else test.reject(new Error(failures.join('\n')))
}

/** QUnit 1.x modules are flat: a test belongs to the last module() called. */
export function module(name) {
  currentModule = name
}

export function test(name, fn) {
  const title = currentModule === '' ? name : `${currentModule} > ${name}`
  vitestTest(title, () => {
    return new Promise((resolve, reject) => {
      const state = { count: 0, failures: [], semaphore: 0, expected: undefined, done: false, resolve, reject }
      current = state
      try {
        fn()
      } catch (error) {
        state.done = true
        reject(error)
        return
      }
      if (state.semaphore <= 0) finish(state)
    })
  })
}

export function expect(n) {
  current.expected = n
}
export function ok(value, message) {
  record(!!value, message ?? 'ok', value ? undefined : String(value))
}
export function equal(actual, expected, message) {
  // biome-ignore lint: QUnit's equal is loose equality
  record(actual == expected, message ?? 'equal', `${String(actual)} == ${String(expected)}`)
}
export function strictEqual(actual, expected, message) {
  record(actual === expected, message ?? 'strictEqual', `${String(actual)} === ${String(expected)}`)
}
export function deepEqual(actual, expected, message) {
  record(isDeepStrictEqual(actual, expected), message ?? 'deepEqual', `${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`)
}
export function stop() {
  current.semaphore++
}
export function start() {
  const test = current
  test.semaphore--
  // QUnit 1.x resumes after the current callback: an assertion right after start() still counts.
  if (test.semaphore <= 0) queueMicrotask(() => finish(test))
}
