/**
 * Runs timer programs (program.ts) on real Node timers and on a loop, and
 * compares the order of their events.
 *
 * The same interpreter runs on both sides; only the globals differ. Each
 * event carries its nominal time, computed from the delays along its chain
 * (0 counts as Node's 1 ms). On the loop, every event must run at exactly its
 * nominal time. On real timers, a run counts only if every event ran within a
 * window narrower than the quantum G around its nominal time (the spread of
 * `real - nominal` below G - hops - 1), and no clear() or refresh() found its
 * timer still pending after its nominal due time (lateness the spread cannot
 * see, since that callback then never runs): then lateness cannot have
 * reordered events at different nominal times, and the order seen is Node's.
 * The late runs run again, together; then with G doubled.
 */
import { performance } from 'node:perf_hooks'
import { installVirtualTime, newEventLoop } from '../../src/core.ts'
import type { Action, Program } from './program.ts'
import { horizon } from './program.ts'

/** The real host functions, captured before anything is patched. */
const real = {
  setTimeout: globalThis.setTimeout,
  setImmediate: globalThis.setImmediate,
}

interface Event {
  readonly name: string
  /** Milliseconds after the start of the program, by the clock of its side. */
  readonly at: number
  readonly nominal: number
}

interface Handle {
  readonly kind: 'timeout' | 'interval' | 'immediate'
  handle: any
  /** A timeout's nominal arming time (creation or last refresh). */
  armedAt: number
  /** Its delay as Node runs it (0 is 1 ms). */
  readonly delay: number
  /** Nominal time of its next callback while it is pending; undefined once it ran or was cleared. */
  due: number | undefined
  cleared: boolean
  /** Nominal time of its first callback, once it ran (what a poll waits for). */
  firedAt?: number
}

interface Run {
  readonly events: Event[]
  readonly handles: Map<string, Handle>
  /** Handles a clear() or refresh() found still pending after their nominal due time. */
  readonly overdue: string[]
  now: () => number
}

/** A clear() or refresh() at `nominal` found its handle due before then: it ran late (or never will). */
function noteOverdue(run: Run, label: string, entry: Handle, nominal: number): void {
  if (entry.due !== undefined && entry.due < nominal) run.overdue.push(label)
}

const noop = (): void => {}

function delayOf(units: number, quantum: number): number {
  return units * quantum
}

function effective(units: number, quantum: number): number {
  return units === 0 ? 1 : units * quantum
}

/** Runs `actions` as the callback of an event at `nominal` does, with whatever globals are installed. */
function exec(actions: Action[], nominal: number, run: Run, quantum: number): void {
  const log = (name: string, at: number): void => {
    run.events.push({ name, at: run.now(), nominal: at })
  }
  for (const action of actions) {
    switch (action.kind) {
      case 'timeout': {
        const delay = effective(action.units, quantum)
        const entry: Handle = { kind: 'timeout', handle: undefined, armedAt: nominal, delay, due: nominal + delay, cleared: false }
        entry.handle = setTimeout(() => {
          const at = entry.armedAt + delay
          entry.due = undefined
          entry.firedAt ??= at
          log(action.label, at)
          exec(action.body, at, run, quantum)
        }, delayOf(action.units, quantum))
        run.handles.set(action.label, entry)
        break
      }
      case 'interval': {
        let k = 0
        const delay = effective(action.units, quantum)
        const entry: Handle = { kind: 'interval', handle: undefined, armedAt: nominal, delay, due: nominal + delay, cleared: false }
        entry.handle = setInterval(() => {
          k++
          const at = nominal + k * delay
          entry.due = k === action.times ? undefined : at + delay
          entry.firedAt ??= at
          log(`${action.label}#${k}`, at)
          if (k === action.times) clearInterval(entry.handle)
          exec(action.body, at, run, quantum)
        }, delayOf(action.units, quantum))
        run.handles.set(action.label, entry)
        break
      }
      case 'immediate': {
        const entry: Handle = { kind: 'immediate', handle: undefined, armedAt: nominal, delay: 0, due: nominal, cleared: false }
        entry.handle = setImmediate(() => {
          entry.due = undefined
          log(action.label, nominal)
          exec(action.body, nominal, run, quantum)
        })
        run.handles.set(action.label, entry)
        break
      }
      case 'promise': {
        let chain = Promise.resolve()
        for (let i = 0; i < action.depth; i++) chain = chain.then(noop)
        void chain.then(() => {
          log(action.label, nominal)
          exec(action.body, nominal, run, quantum)
        })
        break
      }
      case 'tick': {
        process.nextTick(() => {
          log(action.label, nominal)
          exec(action.body, nominal, run, quantum)
        })
        break
      }
      case 'poll': {
        // The timer it waits for was made just before it, in this callback (program.ts).
        const target = run.handles.get(action.target)!
        const ended = (): boolean => target.firedAt !== undefined || target.cleared
        const end = (): void => {
          const at = target.firedAt ?? nominal // programs never clear a polled timer; ends anyway if one did
          log(action.label, at)
          exec(action.body, at, run, quantum)
        }
        if (action.shape === 'immediate') {
          const check = (): void => {
            if (ended()) end()
            else setImmediate(check)
          }
          check()
        } else {
          void (async () => {
            while (!ended()) await new Promise((resolve) => setImmediate(resolve))
            end()
          })()
        }
        break
      }
      case 'clear': {
        const entry = run.handles.get(action.target)
        if (entry === undefined) break
        if (entry.kind === 'immediate' && action.how === 'twin') {
          clearTimeout(entry.handle) // does nothing to an Immediate, in Node too
          break
        }
        noteOverdue(run, action.target, entry, nominal)
        entry.due = undefined
        entry.cleared = true
        if (entry.kind === 'immediate') {
          clearImmediate(entry.handle)
          break
        }
        const handle = action.how === 'number' ? +entry.handle : entry.handle
        const twin = action.how === 'twin'
        if ((entry.kind === 'timeout') !== twin) clearTimeout(handle)
        else clearInterval(handle)
        break
      }
      case 'refresh': {
        const entry = run.handles.get(action.target)
        if (entry === undefined || entry.kind !== 'timeout') break
        noteOverdue(run, action.target, entry, nominal)
        entry.armedAt = nominal
        if (!entry.cleared) entry.due = nominal + entry.delay // refresh() re-arms a timer that ran, not a cleared one
        entry.handle.refresh()
        break
      }
    }
  }
}

/** What a program did on one side. */
export interface Outcome {
  readonly events: readonly Event[]
  readonly overdue: readonly string[]
}

/** How far apart real and nominal times of a run drift, and whether the order seen is Node's. */
export function realRunIsTimely(outcome: Outcome, program: Program, quantum: number): boolean {
  if (outcome.overdue.length > 0) return false
  if (outcome.events.length === 0) return true
  const drift = outcome.events.map((e) => e.at - e.nominal)
  const spread = Math.max(...drift) - Math.min(...drift)
  return spread < quantum - horizon(program).hops - 1
}

/**
 * Runs `batch` concurrently on real Node timers, each program from inside a
 * real timer callback (so none races the main module's first turn). Starts
 * are staggered over one quantum so that their events do not pile up.
 */
export async function runOnNode(batch: readonly Program[], quantum: number): Promise<(Outcome & { late: boolean })[]> {
  const runs = batch.map(() => ({
    events: [] as Event[],
    handles: new Map<string, Handle>(),
    overdue: [] as string[],
    now: (): number => 0,
    closed: false,
    late: false,
  }))
  let longest = 0
  batch.forEach((program, i) => {
    const { units, hops } = horizon(program)
    longest = Math.max(longest, units * quantum + hops)
    real.setTimeout(() => {
      const run = runs[i]!
      const t0 = performance.now()
      run.now = () => {
        if (run.closed) run.late = true
        return performance.now() - t0
      }
      exec(program.main, 0, run, quantum)
    }, i % quantum)
  })
  // Long enough for every callback to have run, with room for lateness.
  await new Promise((resolve) => real.setTimeout(resolve, longest + quantum + 3 * quantum))
  for (const run of runs) run.closed = true
  return runs
}

/**
 * How the loop is driven: `runUntilIdle()`, or the background pump of the
 * `auto` time flow (what a test's loop does), until nothing is left.
 */
export type LoopDriver = 'runUntilIdle' | 'auto'

/** Runs `program` on a loop, with the globals patched; throws if an event ran off its nominal time. */
export async function runOnLoop(program: Program, quantum: number, driver: LoopDriver = 'runUntilIdle'): Promise<Outcome> {
  // No real I/O here: a probe that never sees any keeps the auto flow from waiting on the runner's own handles.
  const loop = newEventLoop(driver === 'auto' ? { timeFlow: 'auto', ioProbe: () => false } : {})
  const run: Run = { events: [], handles: new Map(), overdue: [], now: () => loop.time() }
  const time = installVirtualTime(loop, {
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'],
  })
  try {
    if (driver === 'auto') {
      const idle = whenIdle(loop)
      loop.callSoon(() => exec(program.main, 0, run, quantum))
      await idle
    } else {
      loop.callSoon(() => exec(program.main, 0, run, quantum))
      await loop.runUntilIdle()
    }
  } finally {
    time.uninstall()
    loop.close()
  }
  return run
}

/** Resolves when the auto pump stopped with nothing left; rejects if loopLimit stopped it. */
async function whenIdle(loop: ReturnType<typeof newEventLoop>): Promise<void> {
  for (;;) {
    await new Promise<void>((resolve) => loop._setIdleListener(resolve))
    const { runaway } = loop._stallState()
    if (runaway !== undefined) throw runaway
    if (loop.readyCount === 0 && loop.timerCount === 0) return
  }
}

/** The order of events, as compared. */
export function order(outcome: Outcome): string[] {
  return outcome.events.map((e) => e.name)
}

/** Events of a loop run that ran off their nominal time. */
export function offTime(outcome: Outcome): Event[] {
  const late = outcome.overdue.map((name) => ({ name: `${name} (still pending when cleared or refreshed)`, at: Number.NaN, nominal: Number.NaN }))
  return [...outcome.events.filter((e) => e.at !== e.nominal), ...late]
}

export interface Report {
  compared: number
  mismatches: { index: number; program: Program; node: string[]; loop: string[]; quantum: number; driver: LoopDriver }[]
  offTime: { index: number; program: Program; events: Event[] }[]
  /** Real runs that were too late and ran again. */
  rerun: number
  /** Programs that needed a larger quantum. */
  widened: number
  /** Programs whose real runs were late in every round (a loaded host): not compared. */
  unmeasured: number[]
}

/** Rounds of runs again a late program gets: at G, then at 2G, 4G, 8G and 16G. */
const rounds = 5

/**
 * Compares every program on Node and on the loop. Real runs go `batchSize`
 * at a time; the late ones run again together, then again with the quantum
 * doubled each round. A program still late after the last round is left
 * out (`unmeasured`): its real order is not known. The loop runs come after
 * all real runs.
 */
export async function compare(all: readonly Program[], options: { quantum: number; batchSize: number }): Promise<Report> {
  const report: Report = { compared: 0, mismatches: [], offTime: [], rerun: 0, widened: 0, unmeasured: [] }
  const node: { outcome: Outcome; quantum: number }[] = []
  const timely = (outcome: Outcome & { late: boolean }, program: Program, quantum: number): boolean =>
    !outcome.late && realRunIsTimely(outcome, program, quantum)
  for (let start = 0; start < all.length; start += options.batchSize) {
    const batch = all.slice(start, start + options.batchSize)
    const outcomes = await runOnNode(batch, options.quantum)
    let late = batch.map((_, i) => i).filter((i) => !timely(outcomes[i]!, batch[i]!, options.quantum))
    let quantum = options.quantum
    for (let round = 1; late.length > 0; round++) {
      if (round > rounds) {
        report.unmeasured.push(...late.map((i) => start + i))
        break
      }
      report.rerun += late.length
      if (round > 1) {
        quantum *= 2
        report.widened += late.length
      }
      const again = await runOnNode(late.map((i) => batch[i]!), quantum)
      const still: number[] = []
      late.forEach((i, j) => {
        if (timely(again[j]!, batch[i]!, quantum)) node[start + i] = { outcome: again[j]!, quantum }
        else still.push(i)
      })
      late = still
    }
    const unmeasured = new Set(late)
    batch.forEach((_, i) => {
      if (!unmeasured.has(i)) node[start + i] ??= { outcome: outcomes[i]!, quantum: options.quantum }
    })
  }
  for (let index = 0; index < all.length; index++) {
    const program = all[index]!
    if (node[index] === undefined) continue
    const { outcome, quantum } = node[index]!
    // Every other program runs on the auto pump, the rest through runUntilIdle(): both drivers must agree with Node.
    const driver: LoopDriver = index % 2 === 0 ? 'runUntilIdle' : 'auto'
    const loop = await runOnLoop(program, quantum, driver)
    const off = offTime(loop)
    if (off.length > 0) report.offTime.push({ index, program, events: off })
    const a = order(outcome)
    const b = order(loop)
    if (a.length !== b.length || a.some((name, i) => name !== b[i])) {
      report.mismatches.push({ index, program, node: a, loop: b, quantum, driver })
    }
    report.compared++
  }
  return report
}
