// installTime / installVirtualTime: what they patch, how installations stack,
// and that uninstall puts back every original, by identity, also after a throw.
import { setTimeout as namedSetTimeout } from 'node:timers'
import * as timers from 'node:timers'
import * as timersPromises from 'node:timers/promises'
import { setTimeout as namedSleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { InvalidStateError, installTime, installVirtualTime, newEventLoop } from 'vitest-loop/core'
import type { Fakeable } from 'vitest-loop/core'
import { expectError, thrown } from '../helpers/errors.ts'

const timersModule = (await import('node:timers')).default
const promisesModule = (await import('node:timers/promises')).default

/** Every patchable property and what it holds now. */
function snapshot(): Map<string, unknown> {
  return new Map<string, unknown>([
    ['setTimeout', globalThis.setTimeout],
    ['clearTimeout', globalThis.clearTimeout],
    ['setInterval', globalThis.setInterval],
    ['clearInterval', globalThis.clearInterval],
    ['setImmediate', globalThis.setImmediate],
    ['clearImmediate', globalThis.clearImmediate],
    ['Date', globalThis.Date],
    ['performance.now', performance.now],
    ['hasOwn(performance, now)', Object.hasOwn(performance, 'now')],
    ['process.hrtime', process.hrtime],
    ['process.hrtime.bigint', process.hrtime.bigint],
    ['AbortSignal.timeout', AbortSignal.timeout],
    ['timers.setTimeout', timersModule.setTimeout],
    ['timers.clearTimeout', timersModule.clearTimeout],
    ['timers.setInterval', timersModule.setInterval],
    ['timers.clearInterval', timersModule.clearInterval],
    ['timers.setImmediate', timersModule.setImmediate],
    ['timers.clearImmediate', timersModule.clearImmediate],
    ['esm timers.setTimeout', timers.setTimeout],
    ['promises.setTimeout', promisesModule.setTimeout],
    ['promises.setImmediate', promisesModule.setImmediate],
    ['promises.setInterval', promisesModule.setInterval],
    ['promises.scheduler.wait', promisesModule.scheduler.wait],
    ['promises.scheduler.yield', promisesModule.scheduler.yield],
    ['hasOwn(scheduler, wait)', Object.hasOwn(promisesModule.scheduler, 'wait')],
    ['esm promises.setTimeout', timersPromises.setTimeout],
  ])
}

function changed(before: Map<string, unknown>): string[] {
  const after = snapshot()
  return [...before].filter(([name, value]) => after.get(name) !== value).map(([name]) => name)
}

describe('installVirtualTime', () => {
  it('replaces every global, module export and ESM named import, and uninstall puts back each original', () => {
    const before = snapshot()
    const loop = newEventLoop()
    const time = installVirtualTime(loop)
    expect(time.installed).toBe(true)
    expect(changed(before).sort()).toEqual([...before.keys()].sort())
    time.uninstall()
    expect(time.installed).toBe(false)
    expect(changed(before)).toEqual([])
    loop.close()
  })

  it('restores the originals after a block that threw, through `using`', () => {
    const before = snapshot()
    const loop = newEventLoop()
    const boom = (): void => {
      using _time = installVirtualTime(loop)
      setTimeout(() => {}, 10)
      throw new Error('the test failed')
    }
    expect(boom).toThrow('the test failed')
    expect(changed(before)).toEqual([])
    expect(globalThis.setTimeout).toBe(before.get('setTimeout'))
    loop.close()
  })

  it('makes ESM named imports of node:timers and node:timers/promises follow the patch', async () => {
    const loop = newEventLoop({ timeFlow: 'auto' })
    {
      using _time = installVirtualTime(loop)
      expect(namedSetTimeout).toBe(timersModule.setTimeout)
      expect(namedSleep).toBe(promisesModule.setTimeout)
      await namedSleep(1500)
      await new Promise((resolve) => namedSetTimeout(resolve, 500))
      expect(loop.time()).toBe(2000)
    }
    expect(namedSetTimeout).toBe(globalThis.setTimeout)
    loop.close()
  })

  it('patches only what toFake names', () => {
    const before = snapshot()
    const loop = newEventLoop()
    using _time = installVirtualTime(loop, { toFake: ['Date', 'hrtime'] })
    expect(changed(before).sort()).toEqual(['Date', 'process.hrtime', 'process.hrtime.bigint'])
    loop.close()
  })

  it('patches a clear function with its set twin, since a virtual Timeout must be cleared by it', () => {
    const before = snapshot()
    const loop = newEventLoop()
    using _time = installVirtualTime(loop, { toFake: ['setTimeout'] })
    expect(changed(before).sort()).toEqual(['clearInterval', 'clearTimeout', 'setTimeout'])
    loop.close()
  })

  it('refuses what is not an EventLoop and a toFake name it does not know', () => {
    expectError(
      thrown(() => installVirtualTime({} as never)),
      TypeError,
      'Expected `loop` to be an EventLoop, got `{}` (object)',
    )
    const loop = newEventLoop()
    expectError(
      thrown(() => installVirtualTime(loop, { toFake: ['setTimeout', 'queueMicrotask' as Fakeable] })),
      TypeError,
      "Expected `toFake[]` to be one of 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance', 'hrtime', 'AbortSignal.timeout', 'node:timers', 'node:timers/promises', 'requestAnimationFrame', 'cancelAnimationFrame', got `'queueMicrotask'` (string)",
    )
    loop.close()
  })
})

describe('installTime', () => {
  it('stacks: a second installation patches nothing twice, and the originals come back after the last', () => {
    const before = snapshot()
    const a = newEventLoop()
    const b = newEventLoop()
    const first = installTime(() => a)
    const patched = globalThis.setTimeout
    const second = installTime(() => b)
    expect(globalThis.setTimeout).toBe(patched)
    setTimeout(() => {}, 10)
    expect([a.timerCount, b.timerCount]).toEqual([0, 1]) // the newest installation is asked first
    first.uninstall()
    expect(globalThis.setTimeout).toBe(patched)
    setTimeout(() => {}, 10)
    expect([a.timerCount, b.timerCount]).toEqual([0, 2])
    second.uninstall()
    expect(changed(before)).toEqual([])
    a.close()
    b.close()
  })

  it('asks the next installation when one answers undefined, and the real host function when none answers', () => {
    const loop = newEventLoop()
    const asked: (Fakeable | undefined)[] = []
    using _base = installVirtualTime(loop)
    const top = installTime((api) => {
      asked.push(api)
      return undefined
    })
    setTimeout(() => {}, 10)
    expect(loop.timerCount).toBe(1)
    expect(asked).toEqual(['setTimeout'])
    top.uninstall()
    loop.close()
  })

  it('sends calls to the real host function when the resolver answers undefined', () => {
    const time = installTime(() => undefined)
    try {
      const timer = setTimeout(() => {}, 1)
      expect(Object.hasOwn(timer, '_idleTimeout')).toBe(true) // a real Node Timeout
      clearTimeout(timer)
      expect(Date.now()).toBeGreaterThan(new Date('2020-01-01').getTime())
    } finally {
      time.uninstall()
    }
  })

  it('sends calls to the real host function when the resolver names a closed loop', () => {
    const loop = newEventLoop()
    loop.close()
    const time = installTime(() => loop)
    const timer = setTimeout(() => {}, 1)
    expect(timer.hasRef()).toBe(true)
    expect(Object.hasOwn(timer, '_idleTimeout')).toBe(true) // a real Node Timeout
    clearTimeout(timer)
    time.uninstall()
  })

  it('refuses to patch over another fake-timer library', () => {
    const before = snapshot()
    const fake = Object.assign(() => 0, { clock: {} })
    const saved = globalThis.setImmediate
    globalThis.setImmediate = fake as never
    try {
      expectError(
        thrown(() => installTime(() => undefined)),
        InvalidStateError,
        'Cannot install virtual time: setImmediate is already replaced by fake timers (vi.useFakeTimers() or @sinonjs/fake-timers, found `setImmediate.clock`). Call vi.useRealTimers() (or clock.uninstall()) first.',
      )
    } finally {
      globalThis.setImmediate = saved
    }
    expect(changed(before)).toEqual([])
  })

  it('takes uninstall() twice as once', () => {
    const before = snapshot()
    const time = installTime(() => undefined)
    time.uninstall()
    time.uninstall()
    expect(changed(before)).toEqual([])
  })
})
