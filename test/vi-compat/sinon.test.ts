// Another fake clock in a test (DESIGN.md): the test's automatic loop steps
// aside (nothing reported, nothing left patched). The clear error for a test
// that asked for the loop is end to end (test/fixtures/leak-zoo/misc.test.ts).
import 'vitest-loop/setup'
import FakeTimers from '@sinonjs/fake-timers'
import sinon from 'sinon'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const ours = { setTimeout: globalThis.setTimeout, Date: globalThis.Date }

describe('sinon.useFakeTimers()', () => {
  describe('installed in beforeEach, restored in afterEach', () => {
    let clock: sinon.SinonFakeTimers
    beforeEach(() => {
      setTimeout(() => {}, 50_000) // on the loop, before sinon: the loop steps aside for the whole test
      clock = sinon.useFakeTimers()
    })
    afterEach(() => {
      clock.restore()
    })

    it('runs on sinon\'s clock, and nothing pending is reported, on either clock', () => {
      let fired = false
      setTimeout(() => (fired = true), 100)
      clock.tick(100)
      expect(fired).toBe(true)
      setTimeout(() => {}, 99_999) // on sinon's clock
    })
  })

  it('is uninstalled when a test leaves it installed', () => {
    const clock = sinon.useFakeTimers({ now: 0 })
    setInterval(() => {}, 10)
    expect(Date.now()).toBe(0)
    expect(clock.countTimers()).toBe(1)
  })

  it('(the next test has the loop\'s globals back, and its loop)', async () => {
    expect(globalThis.setTimeout).toBe(ours.setTimeout)
    expect(globalThis.Date).toBe(ours.Date)
    await new Promise((resolve) => setTimeout(resolve, 60_000)) // the auto flow: at once
  })
})

describe('@sinonjs/fake-timers install()', () => {
  it('steps aside for it too', () => {
    const clock = FakeTimers.install({ now: 1000 })
    expect(Date.now()).toBe(1000)
    setTimeout(() => {}, 5000)
    expect(clock.countTimers()).toBe(1)
  })

  it('(nothing left patched)', () => {
    expect(globalThis.setTimeout).toBe(ours.setTimeout)
    expect(globalThis.Date).toBe(ours.Date)
  })
})
