// A program that reads Node's fields of Timeout and Immediate objects at each
// step of their lives. It uses only the globals, so it runs unchanged on real
// Node timers (timeout-fields-child.ts, in a child process) and on a loop
// (installVirtualTime): test/unit/timers-node-fields.test.ts compares the two.
import { promisify } from 'node:util'

/** One reading: what the program saw, in the order it saw it. */
export interface Step {
  label: string
  [field: string]: unknown
}

type Fn = (...args: any[]) => unknown
interface NodeTimeout {
  _idleTimeout: number
  _onTimeout: Fn | null
  _repeat: number | null
  _idleStart: number
  _destroyed: boolean
  refresh(): unknown
}
interface NodeImmediate {
  _onImmediate: Fn | null
  _destroyed: boolean
}

export async function fieldsProgram(): Promise<Step[]> {
  const steps: Step[] = []
  let origin: number | undefined
  const timeout = (label: string, t: unknown, callback: Fn): void => {
    const n = t as NodeTimeout
    origin ??= n._idleStart
    steps.push({
      label,
      constructor: (t as object).constructor.name,
      _idleTimeout: n._idleTimeout,
      _onTimeout: n._onTimeout === callback ? 'the callback' : n._onTimeout,
      _repeat: n._repeat,
      // Loop time on the loop, libuv's on Node: the tests compare how it moves.
      _idleStart: n._idleStart - origin,
      _destroyed: n._destroyed,
    })
  }
  const immediate = (label: string, i: unknown, callback: Fn): void => {
    const n = i as NodeImmediate
    steps.push({
      label,
      constructor: (i as object).constructor.name,
      _onImmediate: n._onImmediate === callback ? 'the callback' : n._onImmediate,
      _destroyed: n._destroyed,
    })
  }
  const turn = () => new Promise((resolve) => setImmediate(resolve))
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  // A timeout: scheduled, in its callback, fired; refreshed after it fired, fired again; cleared after it fired.
  {
    let t: unknown
    let runs = 0
    let fired!: () => void
    const callback = () => {
      runs++
      timeout(`timeout: in its callback (run ${runs})`, t, callback)
      setImmediate(fired)
    }
    t = setTimeout(callback, 4)
    timeout('timeout: scheduled', t, callback)
    await new Promise<void>((resolve) => (fired = resolve))
    timeout('timeout: fired', t, callback)
    ;(t as NodeTimeout).refresh()
    timeout('timeout: refreshed after it fired', t, callback)
    await new Promise<void>((resolve) => (fired = resolve))
    timeout('timeout: fired again', t, callback)
    clearTimeout(t as never)
    timeout('timeout: cleared after it fired', t, callback)
    ;(t as NodeTimeout).refresh()
    await sleep(6)
    steps.push({ label: 'timeout: refresh() after clearTimeout runs nothing', runs })
  }

  // A delay above 2^31-1 becomes 1; clearTimeout before it fires.
  {
    const callback = () => {}
    const t = setTimeout(callback, 2 ** 31)
    timeout('timeout of 2 ** 31 ms: scheduled', t, callback)
    clearTimeout(t)
    timeout('timeout of 2 ** 31 ms: cleared', t, callback)
  }

  // refresh() before it fires: due again a full delay from now.
  {
    let t: unknown
    let done!: () => void
    const callback = () => {
      timeout('refreshed timeout: in its callback', t, callback)
      done()
    }
    t = setTimeout(callback, 8)
    const ran = new Promise<void>((resolve) => (done = resolve))
    await sleep(3)
    ;(t as NodeTimeout).refresh()
    timeout('refreshed timeout: refreshed before it fired', t, callback)
    await ran
    await turn()
    timeout('refreshed timeout: fired', t, callback)
  }

  // An interval: scheduled, re-armed, cleared in its own callback.
  {
    let iv: unknown
    let runs = 0
    let done!: () => void
    const callback = () => {
      runs++
      timeout(`interval: in its callback (run ${runs})`, iv, callback)
      if (runs === 2) {
        clearInterval(iv as never)
        timeout('interval: cleared in its callback', iv, callback)
        done()
      }
    }
    iv = setInterval(callback, 3)
    timeout('interval: scheduled', iv, callback)
    await new Promise<void>((resolve) => (done = resolve))
    await turn()
    timeout('interval: after', iv, callback)
  }

  // A timeout that clears itself in its callback; one that refreshes itself there.
  {
    let a: unknown
    let b: unknown
    let bRuns = 0
    let done!: () => void
    const clearsItself = () => {
      clearTimeout(a as never)
      timeout('self-clearing timeout: cleared in its callback', a, clearsItself)
    }
    const refreshesItself = () => {
      bRuns++
      if (bRuns === 1) {
        ;(b as NodeTimeout).refresh()
        timeout('self-refreshing timeout: refreshed in its callback', b, refreshesItself)
      } else {
        done()
      }
    }
    a = setTimeout(clearsItself, 2)
    b = setTimeout(refreshesItself, 3)
    await new Promise<void>((resolve) => (done = resolve))
    await turn()
    timeout('self-clearing timeout: after', a, clearsItself)
    timeout('self-refreshing timeout: after its second run', b, refreshesItself)
  }

  // An Immediate: queued, in its callback, after it ran; another cleared before, one cleared after it ran.
  {
    let i: unknown
    const callback = () => immediate('immediate: in its callback', i, callback)
    i = setImmediate(callback)
    immediate('immediate: queued', i, callback)
    const other = () => {}
    const cleared = setImmediate(other)
    clearImmediate(cleared)
    immediate('immediate: cleared', cleared, other)
    await turn()
    immediate('immediate: ran', i, callback)
    clearImmediate(i as never)
    immediate('immediate: cleared after it ran', i, callback)
  }

  // util.promisify of the timer functions.
  steps.push({
    label: 'promisify: the custom functions',
    setTimeout: typeof (setTimeout as unknown as Record<symbol, unknown>)[promisify.custom],
    setImmediate: typeof (setImmediate as unknown as Record<symbol, unknown>)[promisify.custom],
    setInterval: typeof (setInterval as unknown as Record<symbol, unknown>)[promisify.custom],
    same: promisify(setTimeout) === (setTimeout as unknown as Record<symbol, unknown>)[promisify.custom],
  })
  steps.push({ label: 'promisify: setImmediate resolves with its value', value: await (promisify(setImmediate) as (value: string) => Promise<string>)('now') })
  // Due at distinct times, scheduled out of order: they resolve by due time.
  // A hundred milliseconds apart: real Node (the reference) keeps that order
  // even when a loaded machine stalls the child between two of these lines
  // (at 5, 2 and 1 ms a stall of 1 ms let the 2 ms timer fire first).
  const order: string[] = []
  const later = (promisify(setTimeout) as (ms: number, value: string) => Promise<string>)(200, 'later').then((v) => order.push(`timeout ${v}`))
  const sooner = (promisify(setTimeout) as (ms: number, value: string) => Promise<string>)(100, 'sooner').then((v) => order.push(`timeout ${v}`))
  const bare = (promisify(setTimeout) as (ms: number) => Promise<unknown>)(1).then((v) => order.push(`timeout ${String(v)}`))
  await Promise.all([later, sooner, bare])
  steps.push({ label: 'promisify: resolved in order with their values', order })
  return steps
}
