// Time moves under a polling loop (issue 11, part 1): a poll that re-queues
// itself keeps something always ready, yet after pollTurns passes of only
// ready work while a timer waits, time moves to that timer, which fires at
// exactly its due time. With no timer waiting, a poll is a true runaway:
// loopLimit stops it once, and the auto pump stays stopped.
import { describe, expect, it } from 'vitest'
import { installVirtualTime, LoopLimitError, newEventLoop } from 'vitest-loop/core'
import type { EventLoop, ExceptionContext } from 'vitest-loop/core'
import { pollTurns } from '../../src/loop/internal/turns.ts'
import { hop } from '../../src/loop/internal/host.ts'
import { inspectLoop } from '../../src/check/index.ts'
import { rejection } from '../helpers/errors.ts'
import { printedSiteOf, siteOf } from '../helpers/site.ts'

/** Resolves when the loop's drivers stop (the auto pump went idle or gave up). */
function idle(loop: EventLoop): Promise<void> {
  return new Promise((resolve) => loop._setIdleListener(() => resolve()))
}

/** A scheduler's timer marks a task busy after `ms`; the test polls for it with setImmediate, under a deadline. */
function pollUntilBusy(loop: EventLoop, ms: number, deadlineMs: number): { done: Promise<number>; polls: () => number } {
  let busy = false
  let polls = 0
  setTimeout(() => (busy = true), ms)
  const done = new Promise<number>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('task never became busy')), deadlineMs)
    const check = (): void => {
      polls++
      if (busy) {
        clearTimeout(deadline)
        resolve(loop.time())
      } else setImmediate(check)
    }
    check()
  })
  return { done, polls: () => polls }
}

describe('a poll that re-queues itself with setImmediate (auto time flow)', () => {
  it('sees the awaited timer fire at its due time, the same way every run', async () => {
    const runs: [number, number][] = []
    for (let run = 0; run < 2; run++) {
      using loop = newEventLoop({ timeFlow: 'auto' })
      using _time = installVirtualTime(loop)
      const { done, polls } = pollUntilBusy(loop, 1000, 2000)
      runs.push([await done, polls()])
    }
    // Time jumped to 1000 after pollTurns passes of only the poll: the first check ran
    // synchronously, then pollTurns immediates, then the one that saw the timer.
    expect(runs).toEqual([
      [1000, pollTurns + 2],
      [1000, pollTurns + 2],
    ])
  })

  it('moves time through every timer on the way: a 10 ms heartbeat under a 100 ms wait', async () => {
    using loop = newEventLoop({ timeFlow: 'auto' })
    using _time = installVirtualTime(loop)
    const beats: number[] = []
    const heartbeat = setInterval(() => beats.push(loop.time()), 10)
    const { done } = pollUntilBusy(loop, 100, 200)
    expect(await done).toBe(100)
    clearInterval(heartbeat)
    expect(beats).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
  })

  it('an `await new Promise((r) => setImmediate(r))` loop waits out a timer as on Node', async () => {
    using loop = newEventLoop({ timeFlow: 'auto' })
    using _time = installVirtualTime(loop)
    let fired = -1
    setTimeout(() => (fired = loop.time()), 250)
    let turns = 0
    while (fired < 0) {
      await new Promise((resolve) => setImmediate(resolve))
      turns++
    }
    expect([fired, loop.time(), turns]).toEqual([250, 250, pollTurns + 1])
  })
})

describe('the timers a poll waits for run before the ready work, as in Node (timers phase, then check phase)', () => {
  it('in the pass that moves time, timers due then come first', async () => {
    using loop = newEventLoop({ timeFlow: 'auto' })
    using _time = installVirtualTime(loop)
    const log: string[] = []
    let fired = false
    setTimeout(() => {
      fired = true
      log.push(`timer@${loop.time()}`)
      setImmediate(() => log.push('immediate queued by the timer'))
    }, 50)
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (fired) {
          log.push(`poll saw it@${loop.time()}`)
          resolve()
        } else setImmediate(check)
      }
      setImmediate(check)
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(log).toEqual(['timer@50', 'poll saw it@50', 'immediate queued by the timer'])
  })
})

describe('a callSoon chain under each driver', () => {
  /** A callSoon poll until a loop timer at `ms` fired; resolves with the time it saw it. */
  function callSoonPoll(loop: EventLoop, ms: number): { seen: () => number | undefined } {
    let fired = false
    let seen: number | undefined
    loop.callLater(ms, () => (fired = true))
    const check = (): void => {
      if (fired) seen = loop.time()
      else loop.callSoon(check)
    }
    loop.callSoon(check)
    return { seen: () => seen }
  }

  it('runUntilComplete: a task awaiting callSoon in a loop reaches its timer', async () => {
    using loop = newEventLoop()
    let fired = false
    loop.callLater(3000, () => (fired = true))
    const at = await loop.runUntilComplete(async () => {
      while (!fired) await new Promise((resolve) => loop.callSoon(resolve, undefined))
      return loop.time()
    })
    expect(at).toBe(3000)
  })

  it.each([
    ['advance', (loop: EventLoop) => loop.advance(5000)],
    ['advanceSync', async (loop: EventLoop) => loop.advanceSync(5000)],
    ['runUntilIdle', (loop: EventLoop) => loop.runUntilIdle()],
    ['runUntilIdleSync', async (loop: EventLoop) => loop.runUntilIdleSync()],
  ])('%s: the poll sees the timer at its due time', async (_name, drive) => {
    using loop = newEventLoop()
    const { seen } = callSoonPoll(loop, 1200)
    await drive(loop)
    expect(seen()).toBe(1200)
  })

  it.each([
    ['advance', (loop: EventLoop) => loop.advance(500)],
    ['advanceSync', async (loop: EventLoop) => loop.advanceSync(500)],
  ])('%s: with the next timer beyond the target, stops at the target with the poll still queued', async (_name, drive) => {
    using loop = newEventLoop()
    const { seen } = callSoonPoll(loop, 1200)
    await drive(loop)
    expect([loop.time(), seen(), loop.readyCount, loop.timerCount]).toEqual([500, undefined, 1, 1])
  })

  it.each([
    ['next', (loop: EventLoop) => loop.next()],
    ['nextSync', async (loop: EventLoop) => loop.nextSync()],
  ])('%s: runs the timer, then stops with the poll still queued', async (_name, drive) => {
    using loop = newEventLoop()
    const { seen } = callSoonPoll(loop, 1200)
    loop.callLater(5000, () => {})
    expect(await drive(loop)).toBe(1200)
    expect(seen()).toBe(1200)
    expect(loop.time()).toBe(1200)
  })

  it('a loopLimit below pollTurns still lets time move (the budget is capped by it)', async () => {
    using loop = newEventLoop({ loopLimit: 50 })
    const { seen } = callSoonPoll(loop, 700)
    await loop.advance(1000)
    expect(seen()).toBe(700)
  })
})

describe('a true runaway: nothing else could ever happen', () => {
  it('runUntilIdle stops it with LoopLimitError naming its line, with no timer to move to', async () => {
    using loop = newEventLoop({ loopLimit: 300 })
    const spin = (): void => {
      loop.callSoon(spin) // site: callSoon runaway
    }
    loop.callSoon(spin)
    const error = await rejection(loop.runUntilIdle())
    expect(error).toBeInstanceOf(LoopLimitError)
    expect((error as Error).message).toContain(`created at ${printedSiteOf(import.meta.url, 'callSoon runaway')}:`)
    expect(loop.time()).toBe(0)
  })

  it('the auto pump reports it once, to the exception handler, at the culprit, and stays stopped', async () => {
    using loop = newEventLoop({ timeFlow: 'auto', loopLimit: 300 })
    using _time = installVirtualTime(loop)
    const errors: ExceptionContext[] = []
    loop.setExceptionHandler((_loop, context) => errors.push(context))
    const stopped = idle(loop)
    const spin = (): void => {
      setImmediate(spin) // site: immediate runaway
    }
    setImmediate(spin)
    await stopped
    // Many real macrotasks later, nothing more ran and nothing more was reported.
    for (let i = 0; i < 20; i++) await hop()
    expect(errors).toHaveLength(1)
    const [context] = errors
    expect(context!.message).toBe('Runaway stopped by loopLimit')
    expect(context!.exception).toBeInstanceOf(LoopLimitError)
    expect((context!.exception as Error).message).toContain(`an immediate created at ${printedSiteOf(import.meta.url, 'immediate runaway')}:`)
    expect(context!.handle?.trace?.site?.line).toBe(Number(siteOf(import.meta.url, 'immediate runaway').split(':').pop()))
    const state = loop._stallState()
    expect([state.busy, state.ready, state.runaway]).toEqual([false, 1, context!.exception])
  })

  it('the sanitizer reports the stopped runaway at the callback that kept re-queueing itself', async () => {
    using loop = newEventLoop({ timeFlow: 'auto', loopLimit: 300 })
    using _time = installVirtualTime(loop)
    const stopped = idle(loop)
    setImmediate(function spin() {
      setImmediate(spin) // site: reported runaway
    })
    await stopped
    const findings = inspectLoop(loop._snapshot(), 'test').filter((f) => f.kind === 'callback-error')
    expect(findings).toHaveLength(1)
    expect(findings[0]!.message).toMatch(
      /^the auto time flow stopped a runaway: setImmediate\(spin\) keeps re-queueing itself with no timer to wait for \(LoopLimitError: Aborting after running 300 callbacks/,
    )
    expect(`${findings[0]!.frames[0]?.file}:${findings[0]!.frames[0]?.line}`).toBe(siteOf(import.meta.url, 'reported runaway'))
  })
})
