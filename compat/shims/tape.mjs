// tape, as far as the suites of the corpus use it, on Vitest's collector. A
// setup file of the generated config. The suites are CommonJS (`require('tape')`,
// which no Vite alias reaches), so `tape` resolves to tape-stub.cjs, which hands
// out the function below.
//
// Mapping: a top-level `test(name, cb)` is a Vitest `describe` when its body
// makes `t.test()`s, each of them one Vitest test, and a Vitest test otherwise;
// deeper `t.test()`s run inside their Vitest test, in order, after their
// parent's body, as tape runs them. A failed assertion is
// recorded and the test goes on, as in tape; the test fails at its end with all of
// them, also when its plan was not met.
import Module from 'node:module'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { describe, it } from 'vitest'

class TapeTest {
  constructor(name, cb) {
    this.name = name
    this.cb = cb
    this.subtests = []
    this.count = 0
    this.planned = undefined
    this.failures = []
    this.ended = false
    this.onEnd = () => {}
    this.t = this.api()
  }

  assert(passed, message, details) {
    if (this.ended && this.planned === undefined) return
    this.count++
    if (!passed) this.failures.push(details === undefined ? String(message) : `${message}: ${details}`)
    if (this.planned !== undefined && this.count >= this.planned) this.end()
  }

  end() {
    if (this.ended) return
    this.ended = true
    this.onEnd()
  }

  api() {
    const self = this
    const check = (passed, fallback) => (message) => self.assert(passed, message ?? fallback)
    const t = {
      plan: (n) => {
        self.planned = n
      },
      end: (error) => {
        if (error) self.failures.push(String(error))
        self.end()
      },
      test: (name, options, cb) => {
        if (typeof options === 'function') [options, cb] = [{}, options]
        if (!options?.skip) self.subtests.push(new TapeTest(name, cb))
      },
      comment() {},
      teardown() {},
      timeoutAfter() {},
      pass: (message) => self.assert(true, message),
      fail: (message) => self.assert(false, message ?? 'fail'),
      ok: (value, message) => check(!!value, 'should be truthy')(message),
      notOk: (value, message) => check(!value, 'should be falsy')(message),
      error: (error, message) => self.assert(!error, message ?? String(error)),
      equal: (a, b, message) => self.assert(Object.is(a, b), message ?? 'should be equal', `${String(a)} !== ${String(b)}`),
      notEqual: (a, b, message) => self.assert(!Object.is(a, b), message ?? 'should not be equal', String(a)),
      deepEqual: (a, b, message) =>
        self.assert(isDeepStrictEqual(a, b), message ?? 'should be deep equal', `${JSON.stringify(a)} vs ${JSON.stringify(b)}`),
      throws: (fn, expected, message) => {
        if (typeof expected === 'string') [expected, message] = [undefined, expected]
        let threw = false
        try {
          fn()
        } catch (error) {
          threw = expected === undefined || (expected instanceof RegExp ? expected.test(String(error)) : error instanceof expected)
        }
        self.assert(threw, message ?? 'should throw')
      },
    }
    t.equals = t.equal
    t.strictEqual = t.equal
    t.notEquals = t.notEqual
    t.same = t.deepEqual
    t.ifError = t.error
    return t
  }

  /** Runs the body, waits for its end (end(), a met plan, a settled promise, or none of these and subtests to run), then the subtests. */
  async run() {
    await new Promise((resolve) => {
      this.onEnd = resolve
      let returned
      try {
        returned = this.cb(this.t)
      } catch (error) {
        this.failures.push(String(error?.stack ?? error))
        this.end()
        return
      }
      if (returned && typeof returned.then === 'function') {
        returned.then(
          () => this.planned === undefined && this.end(),
          (error) => {
            this.failures.push(String(error?.stack ?? error))
            this.end()
          },
        )
      } else if (!this.ended && this.planned === undefined && this.subtests.length > 0) {
        this.end()
      }
    })
    for (const sub of this.subtests) {
      await sub.run()
      this.failures.push(...sub.failures.map((failure) => `${sub.name} > ${failure}`))
    }
    if (this.planned !== undefined && this.count !== this.planned) {
      this.failures.push(`plan != count: planned ${this.planned} assertions, ran ${this.count}`)
    }
  }
}

function tape(name, options, cb) {
  if (typeof options === 'function') [options, cb] = [{}, options]
  // A top-level test whose body makes no `t.test()` is one Vitest test; one that
  // does only declares its tests (read from its source, so the body runs once).
  if (!/\.test\s*\(/.test(String(cb))) {
    const body = async () => {
      const test = new TapeTest(name, cb)
      await test.run()
      if (test.failures.length > 0) throw new Error(test.failures.join('\n'))
    }
    return options?.skip ? it.skip(name, body) : it(name, body)
  }
  if (options?.skip) return describe.skip(name, () => {})
  describe(name, () => {
    const top = new TapeTest(name, undefined)
    const t = top.t
    for (const method of ['ok', 'equal', 'deepEqual', 'plan']) {
      t[method] = () => {
        throw new Error(`compat tape shim: t.${method}() next to t.test() in the top-level body of '${name}' is not supported`)
      }
    }
    t.test = (subName, subOptions, subCb) => {
      if (typeof subOptions === 'function') [subOptions, subCb] = [{}, subOptions]
      const body = async () => {
        const test = new TapeTest(subName, subCb)
        await test.run()
        if (test.failures.length > 0) throw new Error(test.failures.join('\n'))
      }
      return subOptions?.skip ? it.skip(subName, body) : it(subName, body)
    }
    cb(t)
  })
}

const key = Symbol.for('vitest-loop.compat.tape')
globalThis[key] = tape
const stub = fileURLToPath(new URL('./tape-stub.cjs', import.meta.url))
const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  return request === 'tape' ? stub : resolveFilename.call(this, request, ...rest)
}
