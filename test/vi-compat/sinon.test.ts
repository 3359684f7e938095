// Another fake clock in a test (DESIGN.md): the test's automatic loop steps
// aside (nothing reported, nothing left patched). The clear error for a test
// that asked for the loop is end to end (test/fixtures/leak-zoo/misc.test.ts).
import 'vitest-loop/setup'
import FakeTimers from '@sinonjs/fake-timers'
import sinon from 'sinon'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { getEventLoop } from 'vitest-loop'

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

  describe('installed in one test and restored in a later one, as node-schedule\'s suite does', () => {
    let clock: sinon.SinonFakeTimers
    it('Setup: installs it and leaves it installed', () => {
      clock = sinon.useFakeTimers({ now: 0 })
      setInterval(() => {}, 10) // on sinon's clock: not reported
      expect(clock.countTimers()).toBe(1)
    })

    it('the next test still runs on it (as in plain Vitest), and nothing is reported', () => {
      expect(globalThis.setTimeout).not.toBe(ours.setTimeout)
      let fired = false
      setTimeout(() => (fired = true), 3250)
      clock.tick(3250)
      expect(fired).toBe(true)
      expect(Date.now()).toBe(3250)
      setTimeout(() => {}, 1000) // left on sinon's clock, which the user restores later
    })

    it('Restore: restoring it gives back the loop\'s globals', () => {
      clock.restore()
      expect(globalThis.setTimeout).toBe(ours.setTimeout)
      expect(globalThis.Date).toBe(ours.Date)
    })

    it('(the next test has its loop)', async () => {
      await new Promise((resolve) => setTimeout(resolve, 60_000)) // the auto flow: at once
      expect(getEventLoop().time()).toBe(60_000)
    })
  })

  describe('installed in beforeAll, restored in afterAll', () => {
    let clock: sinon.SinonFakeTimers
    beforeAll(() => {
      clock = sinon.useFakeTimers({ now: 100 })
    })
    afterAll(() => {
      clock.restore()
      expect(globalThis.setTimeout).toBe(ours.setTimeout)
    })

    it('each test on it steps aside: a timer left on sinon\'s clock is not reported', () => {
      setTimeout(() => {}, 5000)
      expect(Date.now()).toBe(100)
    })

    it('and awaiting a timer sinon fires later is no stall', async () => {
      const done = new Promise((resolve) => setTimeout(resolve, 500))
      await clock.tickAsync(500)
      await done
      expect(Date.now()).toBe(600)
    })
  })
})

describe('@sinonjs/fake-timers install()', () => {
  it('steps aside for it too', () => {
    const clock = FakeTimers.install({ now: 1000 })
    expect(Date.now()).toBe(1000)
    setTimeout(() => {}, 5000)
    expect(clock.countTimers()).toBe(1)
  })

  it('(and stays until the user uninstalls it, as in plain Vitest)', () => {
    expect(globalThis.setTimeout).not.toBe(ours.setTimeout)
    ;(globalThis.setTimeout as unknown as { clock: { uninstall(): void } }).clock.uninstall()
    expect(globalThis.setTimeout).toBe(ours.setTimeout)
    expect(globalThis.Date).toBe(ours.Date)
  })
})

describe('a clock nobody uninstalls', () => {
  it('is uninstalled when the file ends (else this file would never end)', () => {
    FakeTimers.install({ now: 0 })
    setTimeout(() => {}, 5000)
  })
})
