// A 30-second retry policy, tested in milliseconds: the loop jumps time
// whenever nothing else can run.
import { expect, it } from 'vitest'
import { useLoop } from 'vitest-loop'

async function retry<T>(op: () => Promise<T>, { attempts = 5, baseMs = 1000 } = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op()
    } catch (error) {
      if (attempt === attempts) throw error
      await new Promise((resolve) => setTimeout(resolve, baseMs * 2 ** (attempt - 1)))
    }
  }
}

it('succeeds on the fourth attempt after 1 + 2 + 4 seconds of backoff', async () => {
  const loop = useLoop()
  let calls = 0
  const result = await retry(async () => {
    calls++
    if (calls < 4) throw new Error(`attempt ${calls} failed`)
    return 'ok'
  })
  expect(result).toBe('ok')
  expect(loop.time()).toBe(7000)
})

it('gives up after five attempts, 15 virtual seconds later', async () => {
  const loop = useLoop()
  await expect(retry(() => Promise.reject(new Error('down')))).rejects.toThrow('down')
  expect(loop.time()).toBe(1000 + 2000 + 4000 + 8000)
})
