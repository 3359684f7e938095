// Mocha's BDD globals (describe, it, before, after, beforeEach, afterEach,
// with `done` callbacks and `this.timeout()`), as far as the suites of the
// corpus use them, on Vitest's collector. A setup file of the generated config.
import { afterAll, afterEach, beforeAll, beforeEach, describe as vitestDescribe, it as vitestIt } from 'vitest'

/** Mocha's `this` in a suite, a hook or a test: what the suites call on it. */
function mochaContext(skip) {
  const context = {
    timeout() {
      return context
    },
    slow() {
      return context
    },
    retries() {
      return context
    },
    skip() {
      if (skip === undefined) throw new Error('this.skip() is only supported in a test here')
      skip()
    },
  }
  return context
}

/** A Mocha function takes `done` when it declares a parameter; otherwise it may return a promise. */
function adapt(fn) {
  return (vitestContext) => {
    const self = mochaContext(vitestContext?.skip)
    if (fn.length === 0) return fn.call(self)
    return new Promise((resolve, reject) => {
      let called = false
      const done = (error) => {
        if (called) throw new Error('done() called multiple times')
        called = true
        if (error instanceof Error) reject(error)
        else if (error != null) reject(new Error(`done() invoked with non-Error: ${String(error)}`))
        else resolve()
      }
      try {
        fn.call(self, done)
      } catch (error) {
        reject(error)
      }
    })
  }
}

function it(title, fn) {
  return fn === undefined ? vitestIt.todo(title) : vitestIt(title, adapt(fn))
}
it.only = (title, fn) => vitestIt.only(title, adapt(fn))
it.skip = (title) => vitestIt.skip(title, () => {})

function describe(title, fn) {
  return vitestDescribe(title, () => fn.call(mochaContext()))
}
describe.only = (title, fn) => vitestDescribe.only(title, () => fn.call(mochaContext()))
describe.skip = (title, fn) => vitestDescribe.skip(title, () => fn.call(mochaContext()))

const hook = (register) => (title, fn) => register(adapt(typeof title === 'function' ? title : fn))

Object.assign(globalThis, {
  describe,
  context: describe,
  it,
  specify: it,
  xit: it.skip,
  xdescribe: describe.skip,
  before: hook(beforeAll),
  after: hook(afterAll),
  beforeEach: hook(beforeEach),
  afterEach: hook(afterEach),
})
