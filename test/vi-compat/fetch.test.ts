// Node's fetch Response under vi's fake timers on the loop (Vitest's
// timers-queueMicrotask.test.ts): reading a body needs promise jobs and
// queueMicrotask, which stay real, so it settles while time stands still.
import 'vitest-loop/setup'
import { expect, onTestFinished, test, vi } from 'vitest'
import { useLoop } from 'vitest-loop'

test('a Response body reads without fake timers', async () => {
  expect(await Response.json('ok').json()).toBe('ok')
})

test('a Response body reads with fake timers, time standing still', async () => {
  vi.useFakeTimers()
  onTestFinished(() => {
    vi.useRealTimers()
  })
  expect(await Response.json({ ok: true }).json()).toEqual({ ok: true })
  expect(await new Response('text').text()).toBe('text')
  expect(useLoop().timeFlow).toBe('manual')
  expect(useLoop().time()).toBe(0)
})

