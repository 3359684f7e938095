// A polling client that gives up with AbortSignal.timeout: both run on the loop.
import { expect, it } from 'vitest'
import { useLoop } from 'vitest-loop'
import { setTimeout as sleep } from 'node:timers/promises'

async function pollUntil<T>(check: () => Promise<T | undefined>, { everyMs, signal }: { everyMs: number; signal: AbortSignal }): Promise<T> {
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    await sleep(everyMs, undefined, { signal })
  }
}

it('returns the value once the job is ready', async () => {
  const loop = useLoop()
  let polls = 0
  const value = await pollUntil(async () => (++polls === 4 ? 'ready' : undefined), {
    everyMs: 500,
    signal: AbortSignal.timeout(10_000),
  })
  expect(value).toBe('ready')
  expect(loop.time()).toBe(1500)
})

it('gives up at exactly 10 virtual seconds', async () => {
  const loop = useLoop()
  const never = pollUntil(async () => undefined, { everyMs: 3000, signal: AbortSignal.timeout(10_000) })
  // As in Node: the sleep rejects with an AbortError whose cause is the signal's TimeoutError.
  await expect(never).rejects.toMatchObject({ name: 'AbortError', cause: { name: 'TimeoutError' } })
  expect(loop.time()).toBe(10_000)
})
