// asyncio's "pending task destroyed" example, fixed: each step is awaited in
// turn. The buggy version, which vitest-loop reports, is in leaks/.
import { expect, it } from 'vitest'
import { newEventLoop } from 'vitest-loop'

it('awaiting each step in turn runs them in order, in no real time', async () => {
  using loop = newEventLoop()
  const log: string[] = []
  const create = async () => {
    await loop.sleep(3000)
    log.push('(1) create file')
  }
  const write = async () => {
    await loop.sleep(1000)
    log.push('(2) write into file')
  }
  const close = async () => {
    log.push('(3) close file')
  }
  await loop.runUntilComplete(async () => {
    await loop.createTask(create)
    await loop.createTask(write)
    await loop.createTask(close)
  })
  expect(log).toEqual(['(1) create file', '(2) write into file', '(3) close file'])
  expect(loop.time()).toBe(4000)
})
