// A failed task nobody awaited is reported; reading its exception is the fix.
import { expect, it } from 'vitest'
import { useLoop } from 'vitest-loop'

it('reads the exception of a task it started in the background', async () => {
  const loop = useLoop()
  const task = loop.createTask(async () => {
    await loop.sleep(100)
    throw new Error('backend unavailable')
  }, { name: 'sync' })

  await loop.sleep(200)
  expect(task.done()).toBe(true)
  expect(task.exception()).toMatchObject({ message: 'backend unavailable' })
})
