// node:timers and node:timers/promises under vi.useFakeTimers() on the loop
// (Vitest's node:timers cases, which import its timers suite): every way of
// importing them runs on the test's loop. vi swaps the functions in and out;
// the loop's stay in place (modes.test.ts pins that), so the "restores"
// cases read: after useRealTimers the same functions run on real-like auto time.
import 'vitest-loop/setup'
import { createRequire } from 'node:module'
import timers, { setTimeout as namedSetTimeout } from 'node:timers'
import * as timersNamespace from 'node:timers'
import timersPromises, { setTimeout as namedSleep } from 'node:timers/promises'
import * as promisesNamespace from 'node:timers/promises'
import { afterEach, expect, it, vi } from 'vitest'
import { useLoop } from 'vitest-loop'

const require = createRequire(import.meta.url)

afterEach(() => {
  vi.useRealTimers()
})

it('runs node:timers from a default import and from require on the loop', () => {
  vi.useFakeTimers()
  const called: string[] = []
  timers.setTimeout(() => called.push('default'), 100)
  ;(require('node:timers') as typeof timers).setTimeout(() => called.push('require'), 100)
  expect(called).toEqual([])
  vi.advanceTimersByTime(100)
  expect(called).toEqual(['default', 'require'])
})

it('runs node:timers/promises from a default import and from require on the loop', async () => {
  vi.useFakeTimers()
  const resolved: string[] = []
  const promises = [
    timersPromises.setTimeout(100).then(() => resolved.push('default')),
    (require('node:timers/promises') as typeof timersPromises).setTimeout(100).then(() => resolved.push('require')),
  ]
  await vi.advanceTimersByTimeAsync(100)
  await Promise.all(promises)
  expect(resolved).toEqual(['default', 'require'])
})

it('runs named and namespace imports on the loop', async () => {
  vi.useFakeTimers()
  const called: string[] = []
  namedSetTimeout(() => called.push('named'), 100)
  timersNamespace.setTimeout(() => called.push('namespace'), 100)
  const promises = [
    namedSleep(100).then(() => called.push('promises named')),
    promisesNamespace.setTimeout(100).then(() => called.push('promises namespace')),
  ]
  expect(useLoop().timerCount).toBe(4)
  await vi.advanceTimersByTimeAsync(100)
  await Promise.all(promises)
  expect(called).toEqual(['named', 'namespace', 'promises named', 'promises namespace'])
})

it('keeps the same functions after useRealTimers, now in the auto flow', async () => {
  const before = [timers.setTimeout, timersPromises.setTimeout, namedSetTimeout, namedSleep]
  vi.useFakeTimers()
  vi.useRealTimers()
  expect([timers.setTimeout, timersPromises.setTimeout, namedSetTimeout, namedSleep]).toEqual(before)
  await namedSleep(60_000) // at once: time jumps
  expect(useLoop().time()).toBe(60_000)
})
