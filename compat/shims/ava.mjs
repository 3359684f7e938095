// `ava`, as far as the suites of the corpus use it, on Vitest's collector.
// The generated config aliases `ava` to this file. Differences that matter:
// AVA runs the tests of a file concurrently unless told `serial`; here they
// run one after another (Vitest's default), which only makes real time longer.
// AVA fails a test that ran no assertion; so does this shim.
import assert from 'node:assert'
import { isDeepStrictEqual } from 'node:util'
import { afterAll, afterEach, beforeAll, beforeEach, test as vitestTest } from 'vitest'

class AvaAssertionError extends assert.AssertionError {}

function fail(message, details) {
  throw new AvaAssertionError({ message: details === undefined ? message : `${message}\n${details}`, stackStartFn: fail })
}

/** AVA's `expectation` argument of throws/throwsAsync. */
function check(error, expectation, message) {
  if (expectation === undefined || expectation === null) return
  const prefix = message ? `${message}: ` : ''
  if (typeof expectation === 'function') expectation = { instanceOf: expectation }
  if (expectation.any) return
  if (expectation.instanceOf !== undefined && !(error instanceof expectation.instanceOf)) {
    fail(`${prefix}expected an instance of ${expectation.instanceOf.name}`, String(error))
  }
  if (expectation.is !== undefined && error !== expectation.is) fail(`${prefix}expected the very error given in 'is'`)
  if (expectation.name !== undefined && error?.name !== expectation.name) {
    fail(`${prefix}expected name ${expectation.name}, got ${error?.name}`)
  }
  if (expectation.code !== undefined && error?.code !== expectation.code) {
    fail(`${prefix}expected code ${expectation.code}, got ${error?.code}`)
  }
  const wanted = expectation.message
  if (wanted !== undefined) {
    const actual = error?.message
    const ok =
      typeof wanted === 'string' ? actual === wanted : wanted instanceof RegExp ? wanted.test(actual) : wanted(actual)
    if (!ok) fail(`${prefix}unexpected error message`, `got: ${actual}\nexpected: ${wanted}`)
  }
}

/** `t.like`: every property of `selector` deep-equals the one of `value`. */
function isLike(value, selector) {
  if (selector === null || typeof selector !== 'object') return isDeepStrictEqual(value, selector)
  if (value === null || typeof value !== 'object') return false
  return Object.keys(selector).every((key) => isLike(value[key], selector[key]))
}

function makeT(title, signal) {
  let count = 0
  let planned
  const teardowns = []
  const assertion = (fn) =>
    function (...args) {
      count++
      return fn(...args)
    }
  const t = {
    title,
    context: {},
    signal,
    log() {},
    timeout() {},
    plan(n) {
      planned = n
    },
    teardown(fn) {
      teardowns.push(fn)
    },
    pass: assertion(() => {}),
    fail: assertion((message = 'Test failed via `t.fail()`') => fail(message)),
    is: assertion((actual, expected, message) => {
      if (!Object.is(actual, expected)) fail(message ?? 'Values are not the same', `${String(actual)} !== ${String(expected)}`)
    }),
    not: assertion((actual, expected, message) => {
      if (Object.is(actual, expected)) fail(message ?? 'Value is the same as', String(actual))
    }),
    true: assertion((value, message) => {
      if (value !== true) fail(message ?? 'Value is not `true`', String(value))
    }),
    false: assertion((value, message) => {
      if (value !== false) fail(message ?? 'Value is not `false`', String(value))
    }),
    truthy: assertion((value, message) => {
      if (!value) fail(message ?? 'Value is not truthy', String(value))
    }),
    falsy: assertion((value, message) => {
      if (value) fail(message ?? 'Value is not falsy', String(value))
    }),
    regex: assertion((value, regex, message) => {
      if (!regex.test(value)) fail(message ?? `Value must match ${regex}`, String(value))
    }),
    deepEqual: assertion((actual, expected, message) => assert.deepStrictEqual(actual, expected, message)),
    notDeepEqual: assertion((actual, expected, message) => assert.notDeepStrictEqual(actual, expected, message)),
    like: assertion((value, selector, message) => {
      if (!isLike(value, selector)) fail(message ?? 'Value is not like the selector', JSON.stringify(selector))
    }),
    throws: assertion((fn, expectation, message) => {
      try {
        fn()
      } catch (error) {
        check(error, expectation, message)
        return error
      }
      fail(message ?? 'Function threw nothing')
    }),
    notThrows: assertion((fn, message) => {
      try {
        fn()
      } catch (error) {
        fail(message ?? 'Function threw', String(error))
      }
    }),
    throwsAsync: assertion(async (thrower, expectation, message) => {
      try {
        await (typeof thrower === 'function' ? thrower() : thrower)
      } catch (error) {
        check(error, expectation, message)
        return error
      }
      fail(message ?? 'Promise resolved, or function returned a promise that resolved')
    }),
    notThrowsAsync: assertion(async (nonThrower, message) => {
      try {
        await (typeof nonThrower === 'function' ? nonThrower() : nonThrower)
      } catch (error) {
        fail(message ?? 'Promise rejected', String(error))
      }
    }),
  }
  return {
    t,
    async finish() {
      for (const fn of teardowns.reverse()) await fn()
      if (planned !== undefined && planned !== count) fail(`Planned for ${planned} assertions, but got ${count}`)
      if (count === 0) fail('Test finished without running any assertions')
    },
  }
}

function body(title, fn) {
  return async ({ signal }) => {
    const { t, finish } = makeT(title, signal)
    await fn(t)
    await finish()
  }
}

function define(modifier, title, fn) {
  if (typeof title === 'function') [title, fn] = [title.name || '[anonymous]', title]
  if (modifier === 'todo') return vitestTest.todo(title)
  if (modifier === 'skip') return vitestTest.skip(title, body(title, fn))
  if (modifier === 'only') return vitestTest.only(title, body(title, fn))
  if (modifier === 'failing') return vitestTest.fails(title, body(title, fn))
  return vitestTest(title, body(title, fn))
}

const hook = (register) => (title, fn) => {
  fn ??= title
  register(async () => {
    const { t } = makeT(typeof title === 'string' ? title : 'hook')
    await fn(t)
  })
}

export default function test(title, fn) {
  return define(undefined, title, fn)
}
test.serial = (title, fn) => define(undefined, title, fn)
test.skip = (title, fn) => define('skip', title, fn)
test.only = (title, fn) => define('only', title, fn)
test.todo = (title) => define('todo', title)
test.failing = (title, fn) => define('failing', title, fn)
test.serial.skip = test.skip
test.serial.only = test.only
test.serial.failing = test.failing
test.before = hook(beforeAll)
test.after = hook(afterAll)
test.beforeEach = hook(beforeEach)
test.afterEach = hook(afterEach)
test.after.always = hook(afterAll)
test.afterEach.always = hook(afterEach)
test.serial.before = test.before
test.serial.after = test.after
test.serial.beforeEach = test.beforeEach
test.serial.afterEach = test.afterEach
