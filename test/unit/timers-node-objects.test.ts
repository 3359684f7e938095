// setTimeout / setInterval / setImmediate on a loop hand out Node's objects and
// follow Node's rules: delay coercion, refresh, clearing by number, `this`,
// arguments, the async context of the scheduling code, and creation traces.
import { AsyncLocalStorage, AsyncResource, createHook, executionAsyncId } from 'node:async_hooks'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'
import type { EventLoop, TimeInstallation } from 'vitest-loop/core'
import { siteOf } from '../helpers/site.ts'

let loop: EventLoop
let time: TimeInstallation

beforeEach(() => {
  loop = newEventLoop()
  time = installVirtualTime(loop)
})

afterEach(() => {
  time.uninstall()
  loop.close()
})

/** The pending handles the sanitizer would see. */
const pending = () => loop._snapshot().handles

describe('setTimeout', () => {
  it('runs the callback with its arguments and the Timeout as `this`, at exactly its delay', () => {
    const seen: unknown[] = []
    const timer = setTimeout(function (this: unknown, a: number, b: string) {
      seen.push(this, a, b, loop.time())
    }, 250, 1, 'two')
    loop.runUntilIdleSync()
    expect(seen).toEqual([timer, 1, 'two', 250])
  })

  it.each([
    ['0', 0, 1],
    ['a negative delay', -20, 1],
    ['NaN', Number.NaN, 1],
    ['undefined', undefined, 1],
    ['a string of digits', '40', 40],
    ['a fraction (truncated)', 7.9, 7],
    ['2^31-1', 2 ** 31 - 1, 2 ** 31 - 1],
  ])('turns %s into the delay Node uses', (_, delay, expected) => {
    let at = -1
    setTimeout(() => (at = loop.time()), delay as number)
    loop.runUntilIdleSync()
    expect(at).toBe(expected)
  })

  it("turns a delay above 2^31-1 into 1 with Node's TimeoutOverflowWarning", () => {
    const warnings: { name: string; message: string }[] = []
    const emit = process.emitWarning
    process.emitWarning = ((message: string, type: string) => warnings.push({ name: type, message })) as never
    try {
      let at = -1
      setTimeout(() => (at = loop.time()), 2 ** 31)
      loop.runUntilIdleSync()
      expect(at).toBe(1)
    } finally {
      process.emitWarning = emit
    }
    expect(warnings).toEqual([
      { name: 'TimeoutOverflowWarning', message: '2147483648 does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.' },
    ])
  })

  it("refuses a callback that is not a function with Node's error", () => {
    let error: unknown
    try {
      setTimeout('alert(1)' as never, 10)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TypeError)
    expect(error).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: `The "callback" argument must be of type function. Received type string ('alert(1)')`,
    })
    expect(loop.timerCount).toBe(0)
  })

  it('is itself the timeout handle on the loop, ref by default, whose trace starts at the line that scheduled it', () => {
    const timer = setTimeout(() => {}, 100) // site: scheduled timeout
    const [handle] = pending()
    expect(handle).toBe(timer)
    expect(handle).toMatchObject({ kind: 'timeout', when: 100, delay: 100 })
    expect(handle!.hasRef()).toBe(true)
    const site = handle!.trace!.site!
    expect(`${site.file}:${site.line}`).toBe(siteOf(import.meta.url, 'scheduled timeout'))
  })

  it('runs the callback in the async context where it was scheduled', () => {
    const als = new AsyncLocalStorage<string>()
    const seen: (string | undefined)[] = []
    als.run('request-1', () => setTimeout(() => seen.push(als.getStore()), 20))
    als.run('request-2', () => setImmediate(() => seen.push(als.getStore())))
    setTimeout(() => seen.push(als.getStore()), 10)
    als.run('driver', () => loop.runUntilIdleSync())
    expect(seen).toEqual(['request-2', undefined, 'request-1'])
  })

  it('is an async resource as Node\'s Timeout and Immediate are: init hooks see it, with its ids and trigger', () => {
    const seen: [string, number, number, unknown][] = []
    const hook = createHook({
      init(asyncId, type, trigger, resource) {
        if (type === 'Timeout' || type === 'Immediate') seen.push([type, asyncId, trigger, resource])
      },
    }).enable()
    let timer: NodeJS.Timeout
    let immediate: NodeJS.Immediate
    try {
      timer = setTimeout(() => {}, 10)
      immediate = setImmediate(() => {})
    } finally {
      hook.disable()
    }
    // Node keeps a timer's ids in two symbol-keyed fields; so do we.
    const field = (r: object, name: string) => (r as Record<symbol, number>)[Object.getOwnPropertySymbols(r).find((s) => s.description === name)!]!
    const ids = (r: object) => [field(r, 'async_id_symbol'), field(r, 'trigger_async_id_symbol')]
    expect(seen).toEqual([
      ['Timeout', ...ids(timer), timer],
      ['Immediate', ...ids(immediate), immediate],
    ])
    expect(ids(timer)[1]).toBe(executionAsyncId())
    expect(ids(immediate)[0]).toBeGreaterThan(ids(timer)[0]!)
    // Node's own Timeout is no AsyncResource instance either.
    expect(timer).not.toBeInstanceOf(AsyncResource)
    clearTimeout(timer)
    clearImmediate(immediate)
  })

  it("runs a loop.callLater or callSoon callback, which is no async resource, in the context of the code that drives the loop", async () => {
    const als = new AsyncLocalStorage<string>()
    const seen: (string | undefined)[] = []
    als.run('scheduler', () => {
      loop.callLater(10, () => seen.push(als.getStore()))
      loop.callSoon(() => seen.push(als.getStore()))
    })
    als.run('sync driver', () => loop.advanceSync(10))
    als.run('scheduler', () => loop.callLater(10, () => seen.push(als.getStore())))
    await als.run('async driver', () => loop.advance(10))
    expect(seen).toEqual(['sync driver', 'sync driver', 'async driver'])
  })

  it('serves util.promisify(setTimeout) on the loop', async () => {
    const sleep = promisify(setTimeout)
    const result = sleep(1200, 'value')
    await loop.runUntilIdle()
    expect(await result).toBe('value')
    expect(loop.time()).toBe(1200)
  })
})

describe('Timeout', () => {
  it('unref() and ref() toggle hasRef() and the handle the sanitizer reads, and return the Timeout', () => {
    const timer = setTimeout(() => {}, 10)
    expect(timer.unref()).toBe(timer)
    expect(timer.hasRef()).toBe(false)
    expect(pending()[0]!.hasRef()).toBe(false)
    expect(timer.ref()).toBe(timer)
    expect(timer.hasRef()).toBe(true)
    expect(pending()[0]!.hasRef()).toBe(true)
  })

  it('keeps unref() through refresh(), each run of an interval, firing and clearing, as Node does', () => {
    const timer = setTimeout(() => {}, 10).unref()
    timer.refresh()
    expect(timer.hasRef()).toBe(false)
    expect(pending()).toContain(timer)
    let runs = 0
    const interval = setInterval(() => runs++, 5).unref()
    loop.advanceSync(12)
    expect(runs).toBe(2)
    expect(interval.hasRef()).toBe(false)
    expect(pending()).toEqual([interval]) // re-armed, still unref'd; the timeout fired at 10
    clearInterval(interval)
    expect(interval.hasRef()).toBe(false)
    expect(pending()).toEqual([])
    expect(timer.hasRef()).toBe(false)
    expect(timer.ref().hasRef()).toBe(true)
  })

  it('refresh() makes it due its delay after now, keeping its place among equals by the new order', () => {
    const log: string[] = []
    const a = setTimeout(() => log.push(`a@${loop.time()}`), 100)
    setTimeout(() => log.push(`b@${loop.time()}`), 150)
    setTimeout(() => a.refresh(), 60)
    loop.runUntilIdleSync()
    expect(log).toEqual(['b@150', 'a@160'])
  })

  it('refresh() after it fired runs it again, and does nothing after clearTimeout', () => {
    let runs = 0
    const timer = setTimeout(() => runs++, 10)
    loop.runUntilIdleSync()
    expect(timer.refresh()).toBe(timer)
    loop.runUntilIdleSync()
    expect([runs, loop.time()]).toEqual([2, 20])
    clearTimeout(timer)
    timer.refresh()
    loop.runUntilIdleSync()
    expect(runs).toBe(2)
  })

  it('refresh() of a timer due in the same pass takes it out of that pass', () => {
    const log: string[] = []
    setTimeout(() => {
      log.push('a')
      b.refresh()
    }, 10)
    const b = setTimeout(() => log.push(`b@${loop.time()}`), 10)
    loop.runUntilIdleSync()
    expect(log).toEqual(['a', 'b@20'])
  })

  it('turns into a number that clearTimeout and clearInterval take, also as a string', () => {
    let runs = 0
    const a = setTimeout(() => runs++, 10)
    const b = setInterval(() => runs++, 10)
    const c = setTimeout(() => runs++, 10)
    const id = +a
    expect(typeof id).toBe('number')
    expect(+a).toBe(id)
    clearTimeout(id)
    clearTimeout(String(+b))
    clearInterval(+c)
    loop.runUntilIdleSync()
    expect(runs).toBe(0)
    expect(loop.timerCount).toBe(0)
  })

  it('close() and Symbol.dispose clear it', () => {
    let runs = 0
    const timer = setTimeout(() => runs++, 10)
    expect(timer.close()).toBe(timer)
    {
      using _other = setTimeout(() => runs++, 10)
    }
    loop.runUntilIdleSync()
    expect(runs).toBe(0)
  })

  it('passes to the real clearTimeout what is not a virtual timer', () => {
    expect(() => clearTimeout(undefined)).not.toThrow()
    expect(() => clearTimeout(12345)).not.toThrow()
    expect(() => clearTimeout({} as never)).not.toThrow()
  })
})

describe('setInterval', () => {
  it('fires every `repeat` ms from its due time, until cleared in its own callback', () => {
    const at: number[] = []
    const interval = setInterval(() => {
      at.push(loop.time())
      if (at.length === 4) clearInterval(interval)
    }, 30)
    expect(pending()[0]!.kind).toBe('interval')
    loop.runUntilIdleSync()
    expect(at).toEqual([30, 60, 90, 120])
    expect(loop.timerCount).toBe(0)
  })

  it('clamps 0 to 1, as Node', () => {
    const at: number[] = []
    const interval = setInterval(() => {
      at.push(loop.time())
      if (at.length === 3) clearInterval(interval)
    }, 0)
    loop.runUntilIdleSync()
    expect(at).toEqual([1, 2, 3])
  })

  it('is put back after its callback, so a timer its callback sets with the same delay fires first', () => {
    const log: string[] = []
    let n = 0
    const interval = setInterval(() => {
      log.push(`interval@${loop.time()}`)
      if (++n === 1) setTimeout(() => log.push(`timeout@${loop.time()}`), 10)
      if (n === 2) clearInterval(interval)
    }, 10)
    loop.runUntilIdleSync()
    expect(log).toEqual(['interval@10', 'timeout@20', 'interval@20'])
  })

  it('keeps firing after its callback threw (the loop reports the error)', () => {
    const errors: unknown[] = []
    loop.setExceptionHandler((_, context) => errors.push(context.exception))
    let n = 0
    const interval = setInterval(() => {
      if (++n === 3) clearInterval(interval)
      throw new Error(`tick ${n}`)
    }, 5)
    loop.runUntilIdleSync()
    expect(errors.map((e) => (e as Error).message)).toEqual(['tick 1', 'tick 2', 'tick 3'])
  })
})

describe('setImmediate', () => {
  it('runs on the next pass, before any timer, with its arguments and the Immediate as `this`', () => {
    const log: unknown[] = []
    setTimeout(() => log.push('timeout'), 1)
    const immediate = setImmediate(function (this: unknown, x: number) {
      log.push(this === immediate, x, loop.time())
    }, 7)
    expect(pending()[0]).toBe(immediate)
    expect(immediate).toMatchObject({ kind: 'immediate' })
    expect(immediate.hasRef()).toBe(true)
    loop.runUntilIdleSync()
    expect(log).toEqual([true, 7, 0, 'timeout'])
  })

  it('runs immediates queued by an immediate on a later pass', () => {
    const log: string[] = []
    setImmediate(() => {
      log.push('a')
      setImmediate(() => log.push('c'))
    })
    setImmediate(() => log.push('b'))
    loop.runUntilIdleSync()
    expect(log).toEqual(['a', 'b', 'c'])
  })

  it('is cancelled by clearImmediate and Symbol.dispose, and unref() exempts it from reports', () => {
    let runs = 0
    clearImmediate(setImmediate(() => runs++))
    {
      using _immediate = setImmediate(() => runs++)
    }
    const kept = setImmediate(() => {}).unref()
    expect(kept.hasRef()).toBe(false)
    expect(pending().map((h) => h.hasRef())).toEqual([false])
    loop.runUntilIdleSync()
    expect(runs).toBe(0)
  })

  it('clearTimeout does nothing to an Immediate, as in Node', () => {
    let runs = 0
    const immediate = setImmediate(() => runs++)
    clearTimeout(immediate as never)
    loop.runUntilIdleSync()
    expect(runs).toBe(1)
  })
})
