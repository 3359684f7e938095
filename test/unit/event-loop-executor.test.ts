// runInExecutor runs blocking work on a worker thread and holds the auto time
// flow while it runs; callSoonThreadsafe from outside the loop wakes it.
import { readFile } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { LoopClosedError, installVirtualTime, newEventLoop } from 'vitest-loop/core'

/** Blocks its thread for `ms` of real time. */
function spin(ms: number): string {
  const end = Date.now() + ms
  while (Date.now() < end);
  return `spun ${ms} ms`
}

describe('runInExecutor', () => {
  it('runs the function on a worker thread with copies of its arguments and settles with its result', async () => {
    using loop = newEventLoop()
    const input = { values: [1, 2, 3] }
    const result = await loop.runInExecutor(
      (data: { values: number[] }) => {
        const { isMainThread } = require('node:worker_threads') as typeof import('node:worker_threads')
        data.values.push(4)
        return { sum: data.values.reduce((a, b) => a + b, 0), isMainThread }
      },
      input,
    )
    expect(result).toEqual({ sum: 10, isMainThread: false })
    expect(input.values).toEqual([1, 2, 3])
  })

  it("rejects with the function's error, and with a ReferenceError for a variable from around it", async () => {
    using loop = newEventLoop()
    await expect(
      loop.runInExecutor(() => {
        throw new RangeError('bad input')
      }),
    ).rejects.toThrow(expect.objectContaining({ name: 'RangeError', message: 'bad input' }))
    const outside = 42
    await expect(loop.runInExecutor(() => outside)).rejects.toThrow('outside is not defined')
  })

  it('holds the auto time flow while the work runs, longer than the autojumpThreshold', async () => {
    using loop = newEventLoop({ timeFlow: 'auto', autojumpThreshold: 5 })
    using _time = installVirtualTime(loop)
    const winner = await Promise.race([loop.runInExecutor(spin, 60), sleep(10, 'the 10 ms timer')])
    expect([winner, loop.time()]).toEqual(['spun 60 ms', 0])
    await sleep(10) // the work is done: time jumps again
    expect(loop.time()).toBe(10)
  })

  it('refuses a closed loop and what is not a function', () => {
    const loop = newEventLoop()
    expect(() => loop.runInExecutor(42 as never)).toThrow('Expected `fn` to be a function, got `42` (number)')
    loop.close()
    expect(() => loop.runInExecutor(() => 1)).toThrow(LoopClosedError)
  })
})

describe('callSoonThreadsafe', () => {
  it('wakes a loop idle in runForever from a worker thread message', async () => {
    using loop = newEventLoop()
    const worker = new Worker("require('node:worker_threads').parentPort.postMessage('ready')", { eval: true })
    const log: string[] = []
    worker.on('message', (message: string) => {
      loop.callSoonThreadsafe(() => {
        log.push(`${message} at ${loop.time()}`)
        loop.stop()
      })
    })
    await loop.runForever()
    await worker.terminate()
    expect(log).toEqual(['ready at 0'])
  })

  it('wakes an idle auto loop from a real I/O callback', async () => {
    using loop = newEventLoop({ timeFlow: 'auto' })
    const ran = new Promise<string>((resolve) => {
      readFile(new URL(import.meta.url), () => loop.callSoonThreadsafe(() => resolve(`ran at ${loop.time()}`)))
    })
    expect(await ran).toBe('ran at 0')
  })
})
