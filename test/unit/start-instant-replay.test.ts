// One start instant per run (issue 11, part 2): LOOP_NOW parsing, the run's
// instant (a whole second, the same each time it is asked), the plugin
// providing it, and the replay line every report carries.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loopPlugin } from 'vitest-loop/plugin'
import globalSetup from 'vitest-loop/global-setup'
import { buildReport, inspectLoop } from '../../src/check/index.ts'
import { newEventLoop } from '../../src/index.ts'
import { shared } from '../../src/loop/internal/context.ts'
import { envNow } from '../../src/loop/internal/env.ts'
import { formatInstant, replayLine, runStartInstant, startKey } from '../../src/vitest/start-instant.ts'
import { expectError, thrown } from '../helpers/errors.ts'

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('envNow (LOOP_NOW)', () => {
  it('reads an ISO date, a date alone and epoch milliseconds; unset or empty is undefined', () => {
    expect(envNow({ LOOP_NOW: '2026-12-03T19:00:00.000Z' })).toBe(1796324400000)
    expect(envNow({ LOOP_NOW: '2026-12-03T19:00:00.250+01:00' })).toBe(1796320800250)
    expect(envNow({ LOOP_NOW: '2026-12-03' })).toBe(Date.UTC(2026, 11, 3))
    expect(envNow({ LOOP_NOW: '1796324400000' })).toBe(1796324400000)
    expect(envNow({ LOOP_NOW: ' 0 ' })).toBe(0)
    expect(envNow({ LOOP_NOW: '-86400000' })).toBe(-86400000)
    expect(envNow({ LOOP_NOW: '' })).toBeUndefined()
    expect(envNow({})).toBeUndefined()
  })

  it('names the variable and the value it cannot read', () => {
    for (const bad of ['tomorrow', '2026-13-03', '1.5e12', '12:00', '99999999999999999999', 'NaN']) {
      expectError(
        thrown(() => envNow({ LOOP_NOW: bad })),
        RangeError,
        `Expected \`LOOP_NOW\` to be an ISO date (2026-12-03T19:00:00.000Z) or epoch milliseconds (1796324400000), got "${bad}"`,
      )
    }
  })
})

describe('runStartInstant', () => {
  it('is a whole second, the same every time this process asks', () => {
    vi.stubEnv('LOOP_NOW', '')
    const first = runStartInstant()
    expect(first % 1000).toBe(0)
    expect(runStartInstant()).toBe(first)
  })

  it('is LOOP_NOW when set, to the millisecond', () => {
    vi.stubEnv('LOOP_NOW', '2026-12-03T19:00:00.123Z')
    expect(runStartInstant()).toBe(1796324400123)
  })
})

describe('loopPlugin() and vitest-loop/global-setup', () => {
  const provided = (env: string): unknown => {
    vi.stubEnv('LOOP_NOW', env)
    const config: { test?: Record<string, unknown> } = { test: { root: '/project' } }
    ;(loopPlugin().config as { handler: (config: unknown) => void }).handler(config)
    return (config.test!.provide as Record<string, unknown>)[startKey]
  }

  it('the plugin provides the run start instant to every worker', () => {
    expect(provided('')).toBe(runStartInstant())
    expect(provided('1796324400000')).toBe(1796324400000)
  })

  it('a bad LOOP_NOW stops the run when the config loads', () => {
    expect(() => provided('soon')).toThrow(/got "soon"$/)
  })

  it('the global setup provides the same instant', () => {
    vi.stubEnv('LOOP_NOW', '2026-12-03')
    const project = { provide: vi.fn() }
    globalSetup(project as never)
    expect(project.provide).toHaveBeenCalledWith(startKey, Date.UTC(2026, 11, 3))
  })

  it('a bad `now` option names the value', () => {
    expectError(thrown(() => loopPlugin({ now: Number.NaN })), RangeError, 'Expected `now` to be a finite number, got `NaN` (number)')
    expectError(
      thrown(() => loopPlugin({ now: '2026-12-03' as never })),
      TypeError,
      "Expected `now` to be a number of milliseconds, got `'2026-12-03'` (string)",
    )
    expectError(thrown(() => loopPlugin({ now: new Date('x') })), RangeError, 'Expected `now` to be a valid Date, got `Invalid Date` (object)')
  })
})

describe('replayLine', () => {
  it('names the instant and the command that runs the test again', () => {
    expect(replayLine(1796324400000, 'src/cron.test.ts', 'cron runs at the next second')).toBe(
      'replay: LOOP_NOW=2026-12-03T19:00:00.000Z vitest run src/cron.test.ts -t "cron runs at the next second"',
    )
    expect(formatInstant(0)).toBe('1970-01-01T00:00:00.000Z')
  })

  it('escapes what -t would read as a regular expression, and quotes what the shell would expand', () => {
    expect(replayLine(0, 'my tests/a.test.ts', 'retries (3 times) for $5')).toBe(
      "replay: LOOP_NOW=1970-01-01T00:00:00.000Z vitest run \"my tests/a.test.ts\" -t 'retries \\(3 times\\) for \\$5'",
    )
    expect(replayLine(0, 'a.test.ts', "it's done")).toBe(`replay: LOOP_NOW=1970-01-01T00:00:00.000Z vitest run a.test.ts -t "it's done"`)
    expect(replayLine(0, 'a.test.ts', 'say "hi" [1]')).toBe(
      `replay: LOOP_NOW=1970-01-01T00:00:00.000Z vitest run a.test.ts -t 'say "hi" \\[1\\]'`,
    )
  })

  it('matches the name it stands for and nothing else as a regular expression', () => {
    const name = 'odd name: a+b (c) [d] {e} ^f$ g|h \\ i?'
    const pattern = /-t '(.*)'$/.exec(replayLine(0, 'a.test.ts', name))![1]!
    expect(new RegExp(pattern).test(`suite ${name}`)).toBe(true)
    expect(new RegExp(pattern).test('odd name: ab c d e f g h i')).toBe(false)
  })

  it('goes under the summary of a report', () => {
    const loop = newEventLoop()
    loop.callLater(1000, () => {})
    const line = replayLine(1796324400000, 'x.test.ts', 't')
    const [summary] = buildReport(inspectLoop(loop._snapshot(), 'test'), { fn: 't', file: '/x.test.ts', line: 3, column: 1, text: 't (/x.test.ts:3:1)' }, loop, line)
    expect(summary?.stack).toBe(`LeakError: test left 1 pending timer on its loop\n${line}\n    at t (/x.test.ts:3:1)`)
    loop.close()
  })
})

describe('newEventLoop() without `now`', () => {
  it('starts at the real time, or at what the Vitest layer says the test sees', () => {
    const before = Date.now()
    const plain = newEventLoop()
    expect(plain.now()).toBeGreaterThanOrEqual(before)
    expect(plain.now()).toBeLessThanOrEqual(Date.now())
    plain.close()
    shared.defaultEpoch = () => 1796324400000
    try {
      const inTest = newEventLoop()
      expect(inTest.now()).toBe(1796324400000)
      inTest.close()
      const given = newEventLoop({ now: 5 })
      expect(given.now()).toBe(5)
      given.close()
    } finally {
      shared.defaultEpoch = undefined
    }
  })
})
