// `node:test`, as far as the suites of the corpus use it, on Vitest's collector.
// The generated config aliases `node:test` to this file; nothing else changes.
// node:test runs the tests of a file one after another, as Vitest does.
import { afterAll, afterEach, beforeAll, beforeEach, describe as vitestDescribe, test as vitestTest } from 'vitest'

/** node:test's `(name?, options?, fn?)` in Vitest's `(name, fn, timeout)` order. */
function normalize(args) {
  let [name, options, fn] = args
  if (typeof name === 'function') [name, options, fn] = [name.name || '<anonymous>', {}, name]
  else if (typeof options === 'function') [options, fn] = [{}, options]
  return { name: String(name), options: options ?? {}, fn }
}

/** The test context, `t`: what a suite reads from it here. */
function contextFor(name, signal) {
  return {
    name,
    signal,
    diagnostic() {},
    skip() {},
    todo() {},
  }
}

/** A node:test body takes `(t)` or `(t, done)`; the second form finishes when `done` is called. */
function adapt(name, fn) {
  if (fn === undefined) return undefined
  if (fn.length >= 2) {
    return ({ signal }) =>
      new Promise((resolve, reject) => {
        const done = (error) => (error == null ? resolve() : reject(error))
        try {
          fn(contextFor(name, signal), done)
        } catch (error) {
          reject(error)
        }
      })
  }
  return ({ signal }) => fn(contextFor(name, signal))
}

function defineTest(modifier, args) {
  const { name, options, fn } = normalize(args)
  const body = adapt(name, fn)
  const timeout = typeof options.timeout === 'number' && Number.isFinite(options.timeout) ? options.timeout : undefined
  if (options.skip || modifier === 'skip') return vitestTest.skip(name, body)
  if (options.todo || modifier === 'todo' || body === undefined) return vitestTest.todo(name)
  if (options.only || modifier === 'only') return vitestTest.only(name, body, timeout)
  return vitestTest(name, body, timeout)
}

export function test(...args) {
  return defineTest(undefined, args)
}
test.skip = (...args) => defineTest('skip', args)
test.todo = (...args) => defineTest('todo', args)
test.only = (...args) => defineTest('only', args)

export function describe(...args) {
  const { name, options, fn } = normalize(args)
  if (options.skip) return vitestDescribe.skip(name, fn)
  if (options.only) return vitestDescribe.only(name, fn)
  return vitestDescribe(name, fn)
}
describe.skip = (name, fn) => vitestDescribe.skip(name, fn)
describe.only = (name, fn) => vitestDescribe.only(name, fn)

export const it = test
export const suite = describe
export const before = (fn) => beforeAll(() => fn())
export const after = (fn) => afterAll(() => fn())
export { afterEach, beforeEach }
export default test
