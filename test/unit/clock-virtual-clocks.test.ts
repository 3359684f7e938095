// Date, performance.now() and process.hrtime() read the loop's clocks while
// virtual time is installed, and busy-waiting on them terminates.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'
import type { EventLoop, TimeInstallation } from 'vitest-loop/core'

const RealDate = Date
const start = RealDate.UTC(2030, 0, 1, 12, 0, 0)

let loop: EventLoop
let time: TimeInstallation

beforeEach(() => {
  loop = newEventLoop({ now: start })
  time = installVirtualTime(loop)
})

afterEach(() => {
  time.uninstall()
  loop.close()
})

describe('Date', () => {
  it('reads the loop wall clock: new Date(), Date(), Date.now()', () => {
    expect(Date.now()).toBe(start)
    expect(new Date().getTime()).toBe(start)
    expect(Date()).toBe(new RealDate(start).toString())
    loop.advanceSync(1500)
    expect(Date.now()).toBe(start + 1500)
    expect(new Date().toISOString()).toBe('2030-01-01T12:00:01.500Z')
  })

  it('leaves the constructor with arguments, the static methods and instanceof as they are', () => {
    expect(new Date(0).getTime()).toBe(0)
    expect(new Date('2020-02-03T04:05:06Z').getTime()).toBe(RealDate.UTC(2020, 1, 3, 4, 5, 6))
    expect(new Date(2020, 1, 3).getFullYear()).toBe(2020)
    expect(Date.UTC(2020, 0, 1)).toBe(1577836800000)
    expect(Date.parse('2020-01-01T00:00:00Z')).toBe(1577836800000)
    expect(new Date()).toBeInstanceOf(Date)
    expect(new Date()).toBeInstanceOf(RealDate)
    expect(new RealDate()).toBeInstanceOf(Date)
    expect(Object.prototype.toString.call(new Date())).toBe('[object Date]')
    expect(Date.name).toBe('Date')
    expect(typeof Date.prototype.toISOString).toBe('function')
  })

  it('moves with setSystemTime, without moving loop time', () => {
    loop.setSystemTime(new RealDate('2040-06-01T00:00:00Z'))
    expect(new Date().toISOString()).toBe('2040-06-01T00:00:00.000Z')
    expect(loop.time()).toBe(0)
  })

  it('floors a fractional loop time to whole milliseconds, as the real Date.now()', () => {
    loop.advanceSync(0.75)
    expect(Date.now()).toBe(start)
    expect(performance.now()).toBe(0.75)
  })
})

describe('performance.now()', () => {
  it('is loop time, from 0, patched on the existing performance object', () => {
    const perf = performance
    expect(performance.now()).toBe(0)
    loop.advanceSync(1234.5)
    expect(perf.now()).toBe(1234.5)
    expect(globalThis.performance).toBe(perf)
    expect(Object.hasOwn(performance, 'now')).toBe(true)
  })
})

describe('process.hrtime()', () => {
  it('is loop time, from 0, as [seconds, nanoseconds] and as a bigint', () => {
    expect(process.hrtime()).toEqual([0, 0])
    expect(process.hrtime.bigint()).toBe(0n)
    loop.advanceSync(2500.25)
    expect(process.hrtime()).toEqual([2, 500_250_000])
    expect(process.hrtime.bigint()).toBe(2_500_250_000n)
  })

  it('gives the difference from an earlier reading, borrowing a second as Node does', () => {
    loop.advanceSync(1900)
    const earlier = process.hrtime()
    loop.advanceSync(300)
    expect(process.hrtime(earlier)).toEqual([0, 300_000_000])
  })

  it("refuses a reading that is not a pair with Node's errors", () => {
    expect(() => process.hrtime([1] as never)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: 'The value of "time" is out of range. It must be 2. Received 1' }),
    )
    expect(() => process.hrtime('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
  })
})

describe('busy-waiting', () => {
  it('terminates: after 10,000 identical reads in one stretch each read moves time by 1 ms', () => {
    const t0 = Date.now()
    let reads = 0
    while (Date.now() - t0 < 50) reads++
    expect(loop.time()).toBe(50)
    // t0 was read 1; reads 2 to 10,000 saw 0; reads 10,001 to 10,049 moved time to 1 .. 49; read 10,050 ended it.
    expect(reads).toBe(10_048)
  })

  it('terminates on performance.now() and hrtime too', () => {
    const p0 = performance.now()
    while (performance.now() - p0 < 0.5);
    expect(loop.time()).toBe(1)
    // Still the same stretch: every read moves time, the first one (h0) included.
    const h0 = process.hrtime.bigint()
    expect(h0).toBe(2_000_000n)
    while (process.hrtime.bigint() - h0 < 3_000_000n);
    expect(loop.time()).toBe(5)
  })

  it('counts promise jobs in the stretch, but not reads spread over real macrotasks', async () => {
    for (let i = 0; i < 9_999; i++) Date.now()
    await Promise.resolve() // a promise job continues the same stretch
    Date.now()
    expect(loop.time()).toBe(0)
    Date.now()
    expect(loop.time()).toBe(1)
    loop.callSoon(() => {})
    await loop.runUntilIdle() // the async driver waits a real macrotask: a new stretch begins
    for (let i = 0; i < 10_000; i++) performance.now()
    expect(loop.time()).toBe(1)
  })

  it('lets the timers it passed run late, in due order, on the next pass', () => {
    const log: string[] = []
    setTimeout(() => log.push(`b@${loop.time()}`), 20)
    setTimeout(() => log.push(`a@${loop.time()}`), 10)
    setTimeout(() => log.push(`c@${loop.time()}`), 100)
    const t0 = Date.now()
    while (Date.now() - t0 < 30);
    expect(loop.time()).toBe(30)
    loop.runUntilIdleSync()
    expect(log).toEqual(['a@30', 'b@30', 'c@100'])
  })
})
