// The chained-coroutines example of the asyncio docs ("Detect never-awaited
// coroutines" / "pending task destroyed"), on virtual time: three steps started
// without awaiting run out of order and one is left pending; awaiting each in
// turn fixes it. See also examples/chained-coroutines.test.ts.
import { describe, expect, it } from 'vitest'
import { newEventLoop } from 'vitest-loop'
import type { EventLoop } from 'vitest-loop'

function steps(loop: EventLoop, log: string[]) {
  return {
    create: async () => {
      await loop.sleep(3000)
      log.push('(1) create file')
    },
    write: async () => {
      await loop.sleep(1000)
      log.push('(2) write into file')
    },
    close: async () => {
      log.push('(3) close file')
    },
  }
}

describe('chained coroutines', () => {
  it('stops with `create` pending when the steps are started without awaiting', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    const { create, write, close } = steps(loop, log)
    const createTask = loop.createTask(create, { name: 'create' })
    const writeTask = loop.createTask(write, { name: 'write' })
    const closeTask = loop.createTask(close, { name: 'close' })
    loop.createTask(
      async () => {
        await loop.sleep(2000)
        loop.stop()
      },
      { name: 'main' },
    )

    await loop.runForever()

    expect(log).toEqual(['(3) close file', '(2) write into file'])
    expect(loop.time()).toBe(2000)
    expect(createTask.done()).toBe(false)
    expect([writeTask.done(), closeTask.done()]).toEqual([true, true])
    expect(loop.allTasks().map((task) => task.name)).toEqual(['create'])
    expect(loop.allTasks()).toEqual([createTask])
    loop.close()
    // Closing does not finish it: it stays pending, for the sanitizer to report.
    expect(createTask.done()).toBe(false)
    expect(loop.allTasks()).toEqual([createTask])
  })

  it('runs the steps in order when each is awaited in turn, in 4 s of virtual time', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    const { create, write, close } = steps(loop, log)
    await loop.runUntilComplete(async () => {
      await loop.createTask(create)
      await loop.createTask(write)
      await loop.createTask(close)
    })
    expect(log).toEqual(['(1) create file', '(2) write into file', '(3) close file'])
    // The 3 s and 1 s sleeps were virtual: the clock says 4 s, nothing really waited.
    expect(loop.time()).toBe(4000)
    expect(loop.allTasks()).toEqual([])
    loop.close()
  })
})
