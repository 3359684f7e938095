// The example behind docs/timeline.png (`npm run picture`): a sync worker that
// retries with backoff, a request timeout it cancels, and a heartbeat it
// forgets to stop. It fails on purpose; its loop's timeline is attached.
import { expect, it } from 'vitest'
import { useLoop } from 'vitest-loop'

async function fetchWithTimeout(attempt: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), 2000) // request timeout
    setTimeout(() => {
      clearTimeout(timer)
      if (attempt < 3) reject(new Error(`attempt ${attempt} failed`))
      else resolve('synced')
    }, 300) // the server answers
  })
}

async function syncWithRetry(): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchWithTimeout(attempt)
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1))) // backoff
    }
  }
}

function startHeartbeat(): void {
  setInterval(() => {}, 1500) // heartbeat, never stopped
}

it('syncs after two failed attempts', async () => {
  const loop = useLoop()
  startHeartbeat()
  const worker = loop.createTask(syncWithRetry(), { name: 'sync' })
  loop.createTask(new Promise(() => {}), { name: 'watcher' }) // waits for a change that never comes
  expect(await worker).toBe('synced')
  expect(loop.time()).toBe(3900)
})
