// A background task fails and nobody looks.
import { it } from 'vitest'
import { useLoop } from 'vitest-loop'

it('starts a sync task and never checks on it', async () => {
  const loop = useLoop()
  loop.createTask(async () => {
    await loop.sleep(100)
    throw new Error('backend unavailable')
  }, { name: 'sync' })
  await loop.sleep(200)
})
