// node:timers/promises and AbortSignal.timeout on a loop: values, AbortError,
// ref: false, the setInterval async iterator, scheduler.wait and yield.
import { scheduler, setImmediate as immediate, setInterval as every, setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'
import type { EventLoop, TimeInstallation, TimerHandle } from 'vitest-loop/core'

let loop: EventLoop
let time: TimeInstallation

beforeEach(() => {
  loop = newEventLoop({ timeFlow: 'auto' })
  time = installVirtualTime(loop)
})

afterEach(() => {
  time.uninstall()
  loop.close()
})

const pending = () => loop._snapshot().handles

describe('setTimeout (timers/promises)', () => {
  it('resolves with the value after the delay', async () => {
    expect(await sleep(2500, 'done')).toBe('done')
    expect(loop.time()).toBe(2500)
  })

  it('rejects with AbortError, its cause the signal reason, and clears its timer', async () => {
    const controller = new AbortController()
    const slept = sleep(1000, 'late', { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('stop')), 300)
    const error = await slept.catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', message: 'The operation was aborted' })
    expect((error as Error).cause).toEqual(new Error('stop'))
    expect([loop.time(), loop.timerCount]).toEqual([300, 0])
  })

  it('rejects at once for an already aborted signal', async () => {
    await expect(sleep(10, 'x', { signal: AbortSignal.abort('no') })).rejects.toMatchObject({ name: 'AbortError', cause: 'no' })
    expect(loop.timerCount).toBe(0)
  })

  it('makes an unref-ed timer with ref: false', () => {
    void sleep(10, undefined, { ref: false })
    expect(pending().map((h) => [h.kind, h.hasRef()])).toEqual([['timeout', false]])
  })

  it("rejects bad arguments with Node's errors", async () => {
    await expect(sleep('10' as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: `The "delay" argument must be of type number. Received type string ('10')`,
    })
    await expect(sleep(10, 1, { ref: 'yes' } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: `The "options.ref" property must be of type boolean. Received type string ('yes')`,
    })
    await expect(sleep(10, 1, null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
  })
})

describe('setImmediate (timers/promises)', () => {
  it('resolves with the value on the next pass, before timers', async () => {
    const order: string[] = []
    const timer = sleep(1).then(() => order.push('timer'))
    await immediate('now').then((value) => order.push(value))
    await timer
    expect(order).toEqual(['now', 'timer'])
  })
})

describe('setInterval (timers/promises)', () => {
  it('yields the value every period, and clears its timer when the loop breaks', async () => {
    const at: number[] = []
    for await (const value of every(100, 'tick')) {
      expect(value).toBe('tick')
      at.push(loop.time())
      if (at.length === 3) break
    }
    expect(at).toEqual([100, 200, 300])
    expect(loop.timerCount).toBe(0)
  })

  it('yields every tick it missed while the consumer was busy', async () => {
    const iterator = every(10, 'v')
    expect(await iterator.next()).toEqual({ value: 'v', done: false })
    await sleep(35) // now 45: the ticks at 20, 30 and 40 wait to be consumed
    const times: number[] = []
    for (let i = 0; i < 4; i++) {
      await iterator.next()
      times.push(loop.time())
    }
    await iterator.return!(undefined)
    expect(times).toEqual([45, 45, 45, 50])
  })

  it('throws AbortError when its signal aborts while it waits', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort('enough'), 250)
    const seen: number[] = []
    const error = await (async () => {
      for await (const _ of every(100, undefined, { signal: controller.signal })) seen.push(loop.time())
    })().catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'AbortError', cause: 'enough' })
    expect([seen, loop.timerCount]).toEqual([[100, 200], 0])
  })
})

describe('scheduler', () => {
  it('wait(ms) resolves after ms, and yield() on the next pass', async () => {
    await scheduler.wait(400)
    expect(loop.time()).toBe(400)
    await scheduler.yield()
    expect(loop.time()).toBe(400)
  })
})

describe('AbortSignal.timeout', () => {
  it("aborts with Node's TimeoutError DOMException after exactly the delay, on an unref-ed timer", async () => {
    const signal = AbortSignal.timeout(5000)
    expect(signal).toBeInstanceOf(AbortSignal)
    expect(pending().map((h) => [h.kind, h.hasRef(), (h as TimerHandle).when])).toEqual([['timeout', false, 5000]])
    const at = await new Promise<number>((resolve) => signal.addEventListener('abort', () => resolve(loop.time())))
    expect(at).toBe(5000)
    expect(signal.reason).toBeInstanceOf(DOMException)
    expect(signal.reason).toMatchObject({ name: 'TimeoutError', message: 'The operation was aborted due to timeout' })
  })

  it("refuses a delay that is not a 32-bit unsigned integer with Node's errors", () => {
    expect(() => AbortSignal.timeout(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(() => AbortSignal.timeout('5' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
  })
})
