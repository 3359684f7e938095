// Node's own fields of a Timeout (_idleTimeout, _onTimeout, _repeat,
// _idleStart, _destroyed) and an Immediate (_onImmediate, _destroyed), the
// constructor names and util.promisify of the timer functions read as on
// Node at every step of a timer's life (issue 11, part 3): the same program
// runs on real Node timers in a child process and on a loop, and the readings
// are compared.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'
import { fieldsProgram } from '../helpers/timeout-fields-program.ts'
import type { Step } from '../helpers/timeout-fields-program.ts'

const child = fileURLToPath(new URL('../helpers/timeout-fields-child.ts', import.meta.url))

/** The program on real timers, in a child process: the test awaits its exit, not a timer. */
function onNode(): Promise<Step[]> {
  return new Promise((resolve, reject) => {
    const run = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', child], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    run.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    run.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    run.on('error', reject)
    run.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Step[]) : reject(new Error(`child exited with ${code}: ${err}`))))
  })
}

/** The same program on a loop, virtual time installed in the globals. */
async function onLoop(): Promise<{ steps: Step[]; warnings: unknown[][] }> {
  const loop = newEventLoop({ timeFlow: 'auto' })
  const time = installVirtualTime(loop)
  const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
  try {
    const steps = await loop.runUntilComplete(fieldsProgram())
    return { steps, warnings: warn.mock.calls }
  } finally {
    warn.mockRestore()
    time.uninstall()
    loop.close()
  }
}

/**
 * `_idleStart` is libuv's loop time on Node, which real lateness moves: keep
 * how it moved since the same timer's previous reading ('new', 'same', 'later').
 */
function comparable(steps: Step[]): Step[] {
  const last = new Map<string, number>()
  // As JSON, like the child's readings: a field Node 24 leaves undefined is absent on both sides.
  return (JSON.parse(JSON.stringify(steps)) as Step[]).map((step) => {
    if (typeof step._idleStart !== 'number') return step
    const timer = step.label.split(':')[0]!
    const before = last.get(timer)
    last.set(timer, step._idleStart)
    const moved = before === undefined ? 'new' : step._idleStart === before ? 'same' : step._idleStart > before ? 'later' : 'earlier'
    return { ...step, _idleStart: moved }
  })
}

describe("Node's Timeout and Immediate fields, on the loop and on real Node", () => {
  let node: Step[]
  let loop: { steps: Step[]; warnings: unknown[][] }
  beforeAll(async () => {
    ;[node, loop] = await Promise.all([onNode(), onLoop()])
  }, 60_000)

  it('reads the same at every step of every timer: scheduled, fired, refreshed, cleared, re-armed', () => {
    expect(loop.steps.map((s) => s.label)).toEqual(node.map((s) => s.label))
    expect(comparable(loop.steps)).toEqual(comparable(node))
  })

  it('covers each field and each step it claims to', () => {
    expect(node).toHaveLength(30)
    const values = (field: string) => new Set(node.filter((s) => Object.hasOwn(s, field)).map((s) => s[field]))
    expect(values('_idleTimeout')).toEqual(new Set([4, 1, -1, 8, 3]))
    expect(values('_onTimeout')).toEqual(new Set(['the callback', null]))
    expect(values('_repeat')).toEqual(new Set([null, 3]))
    expect(values('_destroyed')).toEqual(new Set([true, false]))
    expect(values('constructor')).toEqual(new Set(['Timeout', 'Immediate']))
    expect(new Set(comparable(node).filter((s) => Object.hasOwn(s, '_idleStart')).map((s) => s._idleStart))).toEqual(new Set(['new', 'same', 'later']))
    expect(node.at(-2)).toEqual({ label: 'promisify: setImmediate resolves with its value', value: 'now' })
    expect(node.at(-1)).toEqual({ label: 'promisify: resolved in order with their values', order: ['timeout undefined', 'timeout sooner', 'timeout later'] })
  })

  it('stores the loop time in _idleStart: when scheduled, refreshed and re-armed', () => {
    const at = Object.fromEntries(loop.steps.filter((s) => typeof s._idleStart === 'number').map((s) => [s.label, s._idleStart]))
    expect(at).toEqual({
      'timeout: scheduled': 0,
      'timeout: in its callback (run 1)': 0,
      'timeout: fired': 0,
      'timeout: refreshed after it fired': 4,
      'timeout: in its callback (run 2)': 4,
      'timeout: fired again': 4,
      'timeout: cleared after it fired': 4,
      'timeout of 2 ** 31 ms: scheduled': 14,
      'timeout of 2 ** 31 ms: cleared': 14,
      'refreshed timeout: refreshed before it fired': 17,
      'refreshed timeout: in its callback': 17,
      'refreshed timeout: fired': 17,
      'interval: scheduled': 25,
      'interval: in its callback (run 1)': 25,
      'interval: in its callback (run 2)': 28,
      'interval: cleared in its callback': 28,
      'interval: after': 28,
      'self-clearing timeout: cleared in its callback': 31,
      'self-refreshing timeout: refreshed in its callback': 34,
      'self-clearing timeout: after': 31,
      'self-refreshing timeout: after its second run': 34,
    })
  })

  it("emits Node's TimeoutOverflowWarning for 2 ** 31 and keeps 1 as the delay", () => {
    expect(loop.warnings).toEqual([['2147483648 does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.', 'TimeoutOverflowWarning']])
  })
})

describe('the fields cost no store per timer', () => {
  it('are getters on the prototypes, not own properties', () => {
    const loop = newEventLoop()
    const time = installVirtualTime(loop)
    try {
      const t = setTimeout(() => {}, 10)
      const i = setImmediate(() => {})
      for (const field of ['_idleTimeout', '_onTimeout', '_repeat', '_idleStart', '_destroyed']) {
        expect(Object.hasOwn(t, field), field).toBe(false)
        expect(field in t, field).toBe(true)
      }
      for (const field of ['_onImmediate', '_destroyed']) {
        expect(Object.hasOwn(i, field), field).toBe(false)
        expect(field in i, field).toBe(true)
      }
      clearTimeout(t)
      clearImmediate(i)
    } finally {
      time.uninstall()
      loop.close()
    }
  })
})
