// requestAnimationFrame / cancelAnimationFrame on virtual time, where the
// environment has them. Node has none: the host ones here are stand-ins put on
// globalThis for each test, as jsdom and happy-dom put theirs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { installTime, installVirtualTime, newEventLoop } from 'vitest-loop/core'
import type { EventLoop } from 'vitest-loop/core'
import { inspectLoop } from '../../src/check/findings.ts'
import { siteOf } from '../helpers/site.ts'

type Frames = {
  requestAnimationFrame?: (callback: (time: number) => void) => number
  cancelAnimationFrame?: (id: number) => void
}
const g = globalThis as Frames

/** The environment's own functions: they record what reaches them. */
const host = {
  calls: [] as string[],
  requestAnimationFrame(this: unknown, _callback: (time: number) => void): number {
    host.calls.push('request')
    return 7
  },
  cancelAnimationFrame(this: unknown, id: number): void {
    host.calls.push(`cancel ${id}`)
  },
}

beforeEach(() => {
  host.calls = []
  g.requestAnimationFrame = host.requestAnimationFrame
  g.cancelAnimationFrame = host.cancelAnimationFrame
})

afterEach(() => {
  delete g.requestAnimationFrame
  delete g.cancelAnimationFrame
})

function frames(loop: EventLoop, run: (raf: NonNullable<Frames['requestAnimationFrame']>) => void): void {
  using time = installVirtualTime(loop)
  expect(time.installed).toBe(true)
  run(g.requestAnimationFrame!)
}

describe('requestAnimationFrame', () => {
  it('runs the callback at the next 16 ms frame with the frame time, and returns a number', () => {
    const loop = newEventLoop()
    const seen: number[] = []
    frames(loop, (raf) => {
      const id = raf((time) => seen.push(time))
      expect(typeof id).toBe('number')
      loop.advanceSync(15)
      expect(seen).toEqual([])
      loop.advanceSync(1)
      expect(seen).toEqual([16])
      loop.advanceSync(5)
      raf((time) => seen.push(time)) // requested at 21: next frame at 32
      loop.runUntilIdleSync()
    })
    expect(seen).toEqual([16, 32])
    expect(host.calls).toEqual([])
  })

  it('runs the callbacks requested before a frame together, in order, and one requested during a frame in the next', () => {
    const loop = newEventLoop()
    const log: string[] = []
    frames(loop, (raf) => {
      raf((time) => {
        log.push(`a ${time}`)
        raf((next) => log.push(`c ${next}`))
      })
      loop.advanceSync(3)
      raf((time) => log.push(`b ${time}`))
      loop.runUntilIdleSync()
    })
    expect(log).toEqual(['a 16', 'b 16', 'c 32'])
  })

  it('gives the timestamp on the clock of the virtual performance.now()', () => {
    const loop = newEventLoop()
    const pairs: [number, number][] = []
    frames(loop, (raf) => {
      loop.advanceSync(100)
      raf((time) => pairs.push([time, performance.now()]))
      loop.runUntilIdleSync()
    })
    expect(pairs).toEqual([[112, 112]])
  })

  it('is cancelled by cancelAnimationFrame(id), and gives other ids to the host', () => {
    const loop = newEventLoop()
    const seen: number[] = []
    frames(loop, (raf) => {
      const id = raf((time) => seen.push(time))
      raf((time) => seen.push(-time))
      g.cancelAnimationFrame!(id)
      g.cancelAnimationFrame!(7)
      loop.runUntilIdleSync()
    })
    expect(seen).toEqual([-16])
    expect(host.calls).toEqual(['cancel 7'])
  })

  it('calls the host function when no loop takes the call', () => {
    const installation = installTime(() => undefined)
    try {
      expect(g.requestAnimationFrame!(() => {})).toBe(7)
      expect(host.calls).toEqual(['request'])
    } finally {
      installation.uninstall()
    }
  })

  it('names a callback that is not a function as browsers do', () => {
    frames(newEventLoop(), (raf) => {
      expect(() => raf('tick' as never)).toThrow(
        new TypeError("Failed to execute 'requestAnimationFrame' on 'Window': parameter 1 is not of type 'Function'."),
      )
    })
  })

  it('is reported, when left pending, at the line that requested it, with the fix', () => {
    const loop = newEventLoop()
    frames(loop, (raf) => {
      raf(function paint() {}) // site: pending frame
    })
    const [finding] = inspectLoop(loop._snapshot(), 'test')
    expect(finding!.message).toBe(
      'pending requestAnimationFrame(paint) due at 16 ms of loop time (now 0 ms) on loop #' +
        /#(\d+)/.exec(loop.name)![1] +
        ': cancel it with cancelAnimationFrame() before the test ends',
    )
    expect(`${finding!.frames[0]!.file}:${finding!.frames[0]!.line}`).toBe(siteOf(import.meta.url, 'pending frame'))
  })

  it('puts back the host functions on uninstall, and leaves the globals alone where the environment has none', () => {
    const time = installVirtualTime(newEventLoop())
    expect(g.requestAnimationFrame).not.toBe(host.requestAnimationFrame)
    time.uninstall()
    expect(g.requestAnimationFrame).toBe(host.requestAnimationFrame)
    expect(g.cancelAnimationFrame).toBe(host.cancelAnimationFrame)

    delete g.requestAnimationFrame
    delete g.cancelAnimationFrame
    using again = installVirtualTime(newEventLoop())
    expect(again.installed).toBe(true)
    expect('requestAnimationFrame' in globalThis).toBe(false)
    expect('cancelAnimationFrame' in globalThis).toBe(false)
  })

  it("is left real with toFake that does not name it, and cancelAnimationFrame follows requestAnimationFrame", () => {
    const loop = newEventLoop()
    {
      using _time = installVirtualTime(loop, { toFake: ['setTimeout'] })
      expect(g.requestAnimationFrame).toBe(host.requestAnimationFrame)
    }
    using _time = installVirtualTime(loop, { toFake: ['requestAnimationFrame'] })
    expect(g.requestAnimationFrame).not.toBe(host.requestAnimationFrame)
    expect(g.cancelAnimationFrame).not.toBe(host.cancelAnimationFrame)
  })
})
