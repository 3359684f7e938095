// asyncio's "pending task destroyed" example, on virtual time.
// Three tasks are started without being awaited; main stops the loop after 2 s.
import { describe, expect, it } from 'vitest'
import { newEventLoop } from 'vitest-loop'

describe('chained coroutines', () => {
  it('stopping early leaves `create` pending (the bug)', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    loop.createTask(async () => {
      await loop.sleep(3000)
      log.push('(1) create file')
    }, { name: 'create' })
    loop.createTask(async () => {
      await loop.sleep(1000)
      log.push('(2) write into file')
    }, { name: 'write' })
    loop.createTask(async () => {
      log.push('(3) close file')
    }, { name: 'close' })
    loop.createTask(async () => {
      await loop.sleep(2000)
      loop.stop()
    }, { name: 'main' })

    await loop.runForever()

    expect(log).toEqual(['(3) close file', '(2) write into file'])
    expect(loop.allTasks().map((t) => t.name)).toEqual(['create'])
    loop.close()
  })

  it('awaiting each step in turn runs them in order (the fix), in no real time', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    await loop.runUntilComplete(async () => {
      await loop.createTask(async () => {
        await loop.sleep(3000)
        log.push('(1) create file')
      })
      await loop.createTask(async () => {
        await loop.sleep(1000)
        log.push('(2) write into file')
      })
      await loop.createTask(async () => {
        log.push('(3) close file')
      })
    })
    expect(log).toEqual(['(1) create file', '(2) write into file', '(3) close file'])
    expect(loop.time()).toBe(4000)
    loop.close()
  })
})
