// asyncio's "pending task destroyed" example: three tasks started without
// being awaited, and main stops the loop after 2 s. `create` never finishes.
import { expect, it } from 'vitest'
import { newEventLoop } from 'vitest-loop'

it('stops the loop while `create` is still pending', async () => {
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
  loop.close()

  expect(log).toEqual(['(3) close file', '(2) write into file'])
})
