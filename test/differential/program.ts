/**
 * Random timer programs for the differential test: what they are, how
 * fast-check makes them, and which of them real Node runs in one order only.
 *
 * A program is a tree of actions. Running an action schedules something
 * (setTimeout, setInterval, setImmediate, a promise chain) whose callback logs
 * an event and runs the action's body; or it clears or refreshes a handle an
 * earlier action made. A process.nextTick callback is an action too. Delays are in units of a quantum G (a real-time
 * spacing chosen by the runner), or 0: `setTimeout(fn, 0)`, which Node runs
 * 1 ms later.
 *
 * A poll is an action too: it waits, without logging each try, until a timer
 * made just before it (a preceding sibling) has fired, re-queueing itself
 * with setImmediate (`check = () => done() ? end() : setImmediate(check)`)
 * or awaiting `new Promise((r) => setImmediate(r))` in a loop; then it logs
 * its event and runs its body. Real Node runs as many tries as fit in the
 * timer's delay, the loop `pollTurns` per timer on the way (see
 * src/loop/internal/turns.ts); the tries are not compared, everything else is,
 * and on the loop the poll's event comes at exactly its timer's time.
 *
 * Node itself does not order everything: two timers due at the same instant
 * in different delay lists, a 1 ms timer against a chain of immediates, or the
 * members of one list due at one instant that land on both sides of a
 * millisecond boundary, can run either way on real timers. `isUnambiguous`
 * rejects the programs where that could change the order (looking only at the
 * program, never at a run), so a mismatch is a real difference.
 */
import fc from 'fast-check'

export type Action =
  | { kind: 'timeout'; label: string; units: number; body: Action[] }
  | { kind: 'interval'; label: string; units: number; times: number; body: Action[] }
  | { kind: 'immediate'; label: string; body: Action[] }
  | { kind: 'promise'; label: string; depth: number; body: Action[] }
  | { kind: 'tick'; label: string; body: Action[] }
  | { kind: 'clear'; target: string; how: 'object' | 'number' | 'twin' }
  | { kind: 'refresh'; target: string }
  | { kind: 'poll'; label: string; target: string; shape: PollShape; body: Action[] }

/** How a poll waits: a callback that re-queues itself with setImmediate, or an awaited setImmediate in a loop. */
export type PollShape = 'immediate' | 'await'

export interface Program {
  readonly main: Action[]
}

// ------------------------------------------------------------ generation

type Raw =
  | { kind: 'timeout'; units: number; body: Raw[] }
  | { kind: 'interval'; units: number; times: number; body: Raw[] }
  | { kind: 'immediate'; body: Raw[] }
  | { kind: 'promise'; depth: number; body: Raw[] }
  | { kind: 'tick'; body: Raw[] }
  | { kind: 'clear'; pick: number; how: 'object' | 'number' | 'twin' }
  | { kind: 'refresh'; pick: number }
  | { kind: 'poll'; pick: number; shape: PollShape; body: Raw[] }

const units = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 5 }) })

const raw = fc.letrec<{ main: Raw[]; actions: Raw[]; action: Raw; leaf: Raw }>((tie) => ({
  main: fc.array(tie('action'), { minLength: 2, maxLength: 6 }),
  actions: fc.array(tie('action'), { minLength: 0, maxLength: 3, depthIdentifier: 'body' }),
  action: fc.oneof(
    { depthSize: 'medium', depthIdentifier: 'body', withCrossShrink: true },
    tie('leaf'),
    fc.record({ kind: fc.constant('timeout' as const), units, body: tie('actions') }),
    fc.record({
      kind: fc.constant('interval' as const),
      units: fc.integer({ min: 1, max: 4 }),
      times: fc.integer({ min: 1, max: 3 }),
      body: fc.array(tie('leaf'), { maxLength: 2 }),
    }),
    fc.record({ kind: fc.constant('immediate' as const), body: tie('actions') }),
    fc.record({ kind: fc.constant('promise' as const), depth: fc.integer({ min: 0, max: 3 }), body: tie('actions') }),
    fc.record({ kind: fc.constant('tick' as const), body: tie('actions') }),
    fc.record({ kind: fc.constant('poll' as const), pick: fc.nat(), shape: fc.constantFrom('immediate' as const, 'await' as const), body: tie('actions') }),
  ),
  leaf: fc.oneof(
    fc.record({ kind: fc.constant('timeout' as const), units, body: fc.constant<Raw[]>([]) }),
    fc.record({ kind: fc.constant('immediate' as const), body: fc.constant<Raw[]>([]) }),
    fc.record({ kind: fc.constant('clear' as const), pick: fc.nat(), how: fc.constantFrom('object' as const, 'number' as const, 'twin' as const) }),
    fc.record({ kind: fc.constant('refresh' as const), pick: fc.nat() }),
  ),
}))

/** Names every scheduling action (`t1`, `i2`, `m3`, `p4` in tree order) and points clears and refreshes at them. */
function label(main: Raw[]): Program {
  let n = 0
  const handles: string[] = [] // every timer-ish label, in tree order
  const timeouts: { label: string; refreshFree: boolean }[] = []
  const prefix = { timeout: 't', interval: 'i', immediate: 'm', promise: 'p', tick: 'n' } as const
  const named = (actions: Raw[]): Action[] => {
    const out: Action[] = []
    for (const action of actions) {
      switch (action.kind) {
        case 'clear':
          out.push({ kind: 'clear', target: String(action.pick), how: action.how })
          break
        case 'refresh':
          out.push({ kind: 'refresh', target: String(action.pick) })
          break
        case 'poll': {
          // It waits for a timer made just before it, in the same callback; with none, it is left out.
          const timers = out.filter((a) => a.kind === 'timeout' || a.kind === 'interval')
          if (timers.length === 0) break
          const name = `q${++n}`
          const target = (timers[action.pick % timers.length] as { label: string }).label
          out.push({ kind: 'poll', label: name, target, shape: action.shape, body: named(action.body) })
          break
        }
        default: {
          const name = `${prefix[action.kind]}${++n}`
          if (action.kind !== 'promise' && action.kind !== 'tick') handles.push(name)
          const body = named(action.body)
          if (action.kind === 'timeout') timeouts.push({ label: name, refreshFree: !containsRefresh(body) })
          out.push({ ...action, label: name, body } as Action)
        }
      }
    }
    return out
  }
  const program = named(main)
  // Second pass: a clear targets any handle; a refresh a timeout whose callback refreshes nothing
  // (a timeout refreshing itself, directly or through another, would run forever, on Node too).
  const targets = timeouts.filter((t) => t.refreshFree).map((t) => t.label)
  const resolve = (actions: Action[]): Action[] =>
    actions.flatMap((action): Action[] => {
      if (action.kind === 'clear') {
        if (handles.length === 0) return []
        return [{ ...action, target: handles[Number(action.target) % handles.length]! }]
      }
      if (action.kind === 'refresh') {
        if (targets.length === 0) return []
        return [{ ...action, target: targets[Number(action.target) % targets.length]! }]
      }
      return [{ ...action, body: resolve(action.body) } as Action]
    })
  return { main: resolve(program) }
}

function containsRefresh(actions: Action[]): boolean {
  return actions.some((a) => a.kind === 'refresh' || ('body' in a && containsRefresh(a.body)))
}

/** Programs, not yet filtered. */
export const programs: fc.Arbitrary<Program> = raw.main.map(label)

// ----------------------------------------------------- the ambiguity model

/** One callback a program may run, ignoring clears (a superset of what runs). */
interface Potential {
  readonly parent: Potential | undefined
  /** Nominal time: `units` quanta plus `hops` zero-delay milliseconds. */
  readonly units: number
  readonly hops: number
  /** A timer's delay list (units; 0 for Node's 1 ms list); undefined for an immediate or the main body. */
  readonly list: number | undefined
  /** Its callback (or a promise job it queues) schedules an immediate or a 1 ms timer. */
  spawnsNear: boolean
}

/** Most zero-delay hops on one path, and most potential callbacks, a program may have. */
const maxHops = 2
const maxEvents = 80

function isAncestor(a: Potential, b: Potential): boolean {
  for (let p = b.parent; p !== undefined; p = p.parent) if (p === a) return true
  return false
}

/**
 * Every callback the program may run, with its nominal time; undefined when
 * too many, or when a promise job (or nextTick callback) refreshes a timer. (Node loses such a
 * refresh when the timer is the next one due in the list being run: it
 * peeks the timer, runs the promise jobs, then takes it out and runs it
 * anyway. The loop keeps the refresh; timers-node-pins.test.ts pins both.)
 */
function expand(program: Program): Potential[] | undefined {
  const events: Potential[] = []
  const timeoutsByLabel = new Map<string, Extract<Action, { kind: 'timeout' }>>()
  const index = (actions: Action[]): void => {
    for (const a of actions) {
      if (a.kind === 'timeout') timeoutsByLabel.set(a.label, a)
      if ('body' in a) index(a.body)
    }
  }
  index(program.main)
  const polls = pollsByTarget(program)
  const root: Potential = { parent: undefined, units: 0, hops: 0, list: undefined, spawnsNear: false }
  const add = (event: Potential): Potential => {
    events.push(event)
    return event
  }
  const at = (from: Potential, delay: number): { units: number; hops: number } =>
    delay === 0 ? { units: from.units, hops: from.hops + 1 } : { units: from.units + delay, hops: from.hops }
  let refreshInPromiseJob = false
  /**
   * A timer a poll waits for may have fired (`fired`): the poll sees it in
   * the check phase of the same turn, as an immediate the timer's callback
   * queued would run (so the timer counts as spawning one), logs, and runs
   * its body (in a promise job, for the awaiting shape).
   */
  const seen = (label: string, fired: Potential): void => {
    for (const poll of polls.get(label) ?? []) {
      fired.spawnsNear = true
      const e = add({ parent: fired, units: fired.units, hops: fired.hops, list: undefined, spawnsNear: false })
      run(poll.body, e, poll.shape === 'await')
    }
  }
  const run = (actions: Action[], owner: Potential, inPromiseJob = false): void => {
    if (events.length > maxEvents) return
    for (const a of actions) {
      switch (a.kind) {
        case 'timeout': {
          if (a.units === 0) owner.spawnsNear = true
          const e = add({ parent: owner, ...at(owner, a.units), list: a.units, spawnsNear: false })
          run(a.body, e)
          seen(a.label, e)
          break
        }
        case 'refresh': {
          if (inPromiseJob) refreshInPromiseJob = true
          const target = timeoutsByLabel.get(a.target)!
          if (target.units === 0) owner.spawnsNear = true
          const e = add({ parent: owner, ...at(owner, target.units), list: target.units, spawnsNear: false })
          run(target.body, e)
          seen(a.target, e)
          break
        }
        case 'interval': {
          let previous = owner
          for (let k = 1; k <= a.times; k++) {
            previous = add({ parent: previous, ...at(previous, a.units), list: a.units, spawnsNear: false })
            run(a.body, previous)
            if (k === 1) seen(a.label, previous)
          }
          break
        }
        case 'immediate': {
          owner.spawnsNear = true
          const e = add({ parent: owner, units: owner.units, hops: owner.hops, list: undefined, spawnsNear: false })
          run(a.body, e)
          break
        }
        case 'promise':
        case 'tick':
          run(a.body, owner, true) // a promise job or nextTick callback belongs to the callback that queued it
          break
        case 'clear':
        case 'poll': // its event comes when its timer fires (`seen`)
          break
      }
    }
  }
  run(program.main, root)
  if (events.length > maxEvents || refreshInPromiseJob || clearsRefreshedByNumber(program) || clearsPolled(program, polls)) {
    return undefined
  }
  return [root, ...events]
}

/** The polls of a program by the label of the timer each waits for. */
function pollsByTarget(program: Program): Map<string, Extract<Action, { kind: 'poll' }>[]> {
  const polls = new Map<string, Extract<Action, { kind: 'poll' }>[]>()
  const walk = (actions: Action[]): void => {
    for (const a of actions) {
      if (a.kind === 'poll') polls.set(a.target, [...(polls.get(a.target) ?? []), a])
      if ('body' in a) walk(a.body)
    }
  }
  walk(program.main)
  return polls
}

/**
 * A clear of a timer a poll waits for: the poll would end at the clear (or
 * never, were it not told), which the model does not place in time.
 */
function clearsPolled(program: Program, polls: Map<string, unknown>): boolean {
  const walk = (actions: Action[]): boolean =>
    actions.some((a) => (a.kind === 'clear' && polls.has(a.target)) || ('body' in a && walk(a.body)))
  return walk(program.main)
}

/**
 * A timeout both refreshed and cleared by its number. Node gives a timeout
 * that ran and was refreshed a new number that clearTimeout does not know,
 * so clearing it by number does nothing; the loop keeps the number working
 * (timers-node-pins.test.ts pins both).
 */
function clearsRefreshedByNumber(program: Program): boolean {
  const refreshed = new Set<string>()
  const byNumber = new Set<string>()
  const walk = (actions: Action[]): void => {
    for (const a of actions) {
      if (a.kind === 'refresh') refreshed.add(a.target)
      else if (a.kind === 'clear' && a.how === 'number') byNumber.add(a.target)
      else if ('body' in a) walk(a.body)
    }
  }
  walk(program.main)
  return [...refreshed].some((label) => byNumber.has(label))
}

/**
 * True when real Node runs this program in one order only, given that every
 * callback runs within G/2 of its nominal time (the runner checks that):
 * - two callbacks at the same unit count but different zero-delay hops, and
 *   neither caused by the other, are too close to be ordered by time;
 * - two timers due at one nominal instant must be in the same delay list
 *   (Node orders lists due together by a heap, not by creation);
 * - when several timers are due at one instant, none of them may schedule an
 *   immediate or a 1 ms timer: Node may run the group across two turns (its
 *   members were scheduled on both sides of a millisecond boundary), and
 *   those would then run in between.
 */
export function isUnambiguous(program: Program): boolean {
  const events = expand(program)
  if (events === undefined) return false
  if (events.some((e) => e.hops > maxHops)) return false
  for (let i = 0; i < events.length; i++) {
    const a = events[i]!
    for (let j = i + 1; j < events.length; j++) {
      const b = events[j]!
      if (a.units !== b.units) continue
      if (isAncestor(a, b) || isAncestor(b, a)) continue
      if (a.hops !== b.hops) return false
      if (a.list === undefined || b.list === undefined) continue
      if (a.list !== b.list) return false
      if (a.spawnsNear || b.spawnsNear) return false
    }
  }
  return true
}

/** Largest nominal time (in units and hops) a callback of the program may run at. */
export function horizon(program: Program): { units: number; hops: number } {
  const events = expand(program) ?? []
  return {
    units: Math.max(0, ...events.map((e) => e.units)),
    hops: Math.max(0, ...events.map((e) => e.hops)),
  }
}

/** One action as text, without its body. */
function head(a: Action): string {
  switch (a.kind) {
    case 'timeout':
      return `${a.label} = setTimeout(${a.units === 0 ? '0' : `${a.units}G`})`
    case 'interval':
      return `${a.label} = setInterval(${a.units}G) x${a.times}`
    case 'immediate':
      return `${a.label} = setImmediate()`
    case 'promise':
      return `${a.label} = promise after ${a.depth} jobs`
    case 'tick':
      return `${a.label} = process.nextTick()`
    case 'clear':
      return `clear ${a.target} (${a.how})`
    case 'refresh':
      return `${a.target}.refresh()`
    case 'poll':
      return `${a.label} = poll (${a.shape === 'immediate' ? 'setImmediate(check)' : 'await setImmediate'}) until ${a.target} fired`
  }
}

/** A program as indented text, for a failure message. */
export function show(actions: Action[], indent = ''): string {
  return actions
    .map((a) => {
      const body = 'body' in a && a.body.length > 0 ? `\n${show(a.body, `${indent}  `)}` : ''
      return `${indent}${head(a)}${body}`
    })
    .join('\n')
}
