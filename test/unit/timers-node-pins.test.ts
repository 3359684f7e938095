// Node's behaviour where @sinonjs/fake-timers (and so vi.useFakeTimers) differs
// from it, pinned: each program runs on real Node timers (a few real
// milliseconds, as the reference) and on a loop, and both must give Node's
// order; the loop also Node's times. What fake-timers 15 gives is in each name.
import { describe, expect, it } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'

const realSetTimeout = globalThis.setTimeout

type Program = (log: (name: string) => void) => void

/**
 * The program's events on real Node timers: once `count` events have come
 * (however slow the machine), plus `settle` real milliseconds for any extra
 * event to show. A program that never logs `count` events fails after 10 s.
 */
async function onNode(program: Program, settle: number, count: number): Promise<string[]> {
  const events: string[] = []
  let arrived: () => void = () => {}
  const all = new Promise<void>((resolve) => (arrived = resolve))
  program((name) => {
    events.push(name)
    if (events.length === count) arrived()
  })
  const cap = realSetTimeout(() => arrived(), 10_000)
  await all
  clearTimeout(cap)
  await new Promise((resolve) => realSetTimeout(resolve, settle))
  return events
}

/** The program's events on a loop, as `name@time`. */
async function onLoop(program: Program): Promise<string[]> {
  using loop = newEventLoop()
  using _time = installVirtualTime(loop)
  const events: string[] = []
  loop.callSoon(() => program((name) => events.push(`${name}@${loop.time()}`)))
  await loop.runUntilIdle()
  return events
}

async function pin(program: Program, settle: number, expected: string[]): Promise<void> {
  expect(await onNode(program, settle, expected.length)).toEqual(expected.map((event) => event.replace(/@.*/, '')))
  expect(await onLoop(program)).toEqual(expected)
}

describe('Node semantics the loop keeps (fake-timers differs)', () => {
  it('delay clamping: setTimeout(fn, 0) is setTimeout(fn, 1), in creation order (fake-timers: b@0 a@1)', async () => {
    await pin(
      (log) => {
        setTimeout(() => log('a'), 1)
        setTimeout(() => log('b'), 0)
      },
      10,
      ['a@1', 'b@1'],
    )
  })

  it('delay clamping: NaN and negative delays are 1 (fake-timers: NaN is 0)', async () => {
    await pin(
      (log) => {
        setTimeout(() => log('nan'), Number.NaN)
        setTimeout(() => log('negative'), -5)
        setTimeout(() => log('zero'), 0)
      },
      10,
      ['nan@1', 'negative@1', 'zero@1'],
    )
  })

  it('interval rescheduling: setInterval(fn, 0) fires every millisecond (fake-timers: three times at 0)', async () => {
    await pin(
      (log) => {
        let n = 0
        const interval = setInterval(() => {
          log('tick')
          if (++n === 3) clearInterval(interval)
        }, 0)
      },
      20,
      ['tick@1', 'tick@2', 'tick@3'],
    )
  })

  it('interval rescheduling: the interval goes back after its callback, behind a timer the callback set (fake-timers: i@20 before t@20)', async () => {
    await pin(
      (log) => {
        let n = 0
        const interval = setInterval(() => {
          log('i')
          if (++n === 1) setTimeout(() => log('t'), 10)
          if (n === 2) clearInterval(interval)
        }, 10)
      },
      40,
      ['i@10', 't@20', 'i@20'],
    )
  })

  it('microtasks between timers: promise jobs a callback queues run before the next callback (fake-timers tick(): a b job)', async () => {
    await pin(
      (log) => {
        setTimeout(() => {
          log('a')
          Promise.resolve().then(() => log('job'))
        }, 5)
        setTimeout(() => log('b'), 5)
      },
      20,
      ['a@5', 'job@5', 'b@5'],
    )
  })

  it('microtasks between timers: nextTick callbacks a callback queues run before its promise jobs (fake-timers tickAsync agrees)', async () => {
    await pin(
      (log) => {
        setTimeout(() => {
          log('a')
          Promise.resolve().then(() => log('job'))
          queueMicrotask(() => log('microtask'))
          process.nextTick(() => log('tick'))
        }, 5)
        setTimeout(() => log('b'), 5)
      },
      20,
      ['a@5', 'tick@5', 'job@5', 'microtask@5', 'b@5'],
    )
  })

  it('setImmediate vs setTimeout: in a timer callback, the immediate runs first (fake-timers agrees)', async () => {
    await pin(
      (log) => {
        setTimeout(() => {
          setTimeout(() => log('timeout'), 0)
          setImmediate(() => log('immediate'))
        }, 2)
      },
      15,
      ['immediate@2', 'timeout@3'],
    )
  })

  it('refresh(): re-arms a timer that already fired, from the time of the call (fake-timers agrees)', async () => {
    await pin(
      (log) => {
        const timer = setTimeout(() => log('t'), 5)
        setTimeout(() => timer.refresh(), 12)
      },
      40,
      ['t@5', 't@17'],
    )
  })

  it('refresh(): a timer refreshed by the callback before it, due at the same time, moves (fake-timers agrees)', async () => {
    await pin(
      (log) => {
        setTimeout(() => {
          log('a')
          b.refresh()
        }, 5)
        const b = setTimeout(() => log('b'), 5)
      },
      30,
      ['a@5', 'b@10'],
    )
  })
})

describe('where the loop differs from Node on purpose', () => {
  it('keeps the number of a timer that ran and was refreshed, so clearTimeout(number) still clears it', async () => {
    const program: Program = (log) => {
      const timer = setTimeout(() => log('t'), 5)
      const before = +timer
      setTimeout(() => {
        timer.refresh()
        log(+timer === before ? 'same number' : 'new number')
        clearTimeout(+timer)
      }, 10)
    }
    // Node gives the re-armed timer a new async id, and Symbol.toPrimitive registers
    // only the first one: clearTimeout(+timer) finds nothing and it runs again.
    expect(await onNode(program, 40, 3)).toEqual(['t', 'new number', 't'])
    expect(await onLoop(program)).toEqual(['t@5', 'same number@10'])
  })

  it('keeps a refresh() made in a promise job of the callback before the timer, which Node loses', async () => {
    const program: Program = (log) => {
      setTimeout(() => {
        log('a')
        Promise.resolve().then(() => b.refresh())
      }, 5)
      const b = setTimeout(() => log('b'), 5)
    }
    // Node peeks b, runs a's promise jobs (the refresh puts b at the end of its list),
    // then takes b out of the list and runs it at once: the refresh is lost (Node 20,
    // lib/internal/timers.js listOnTimeout). fake-timers and the loop keep it.
    expect(await onNode(program, 30, 2)).toEqual(['a', 'b'])
    expect(await onLoop(program)).toEqual(['a@5', 'b@10'])
  })
})
