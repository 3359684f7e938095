// Type tests of the public surface, checked by tsc (`npm run typecheck`, part
// of `npm test`); never run. Each expectTypeOf and @ts-expect-error is one check.
import { describe, expectTypeOf, test as vitestTest } from 'vitest'
import type { Plugin } from 'vitest/config'
import { defineConfig } from 'vitest/config'
import {
  CancelledError,
  EventLoop,
  LeakError,
  newEventLoop,
  run,
  Task,
  test,
  TimerHandle,
  useLoop,
  useRealTime,
} from 'vitest-loop'
import type { ChromeTrace, Finding, LoopOptions, OnLeak, OnSlow } from 'vitest-loop'
import { installVirtualTime, newEventLoop as coreNewEventLoop } from 'vitest-loop/core'
import type { TimeInstallation } from 'vitest-loop/core'
import { loopPlugin } from 'vitest-loop/plugin'
import type { PluginOptions } from 'vitest-loop/plugin'

describe('useLoop()', () => {
  vitestTest('is an EventLoop', () => {
    expectTypeOf(useLoop()).toEqualTypeOf<EventLoop>()
    expectTypeOf(useLoop({ timeFlow: 'manual', now: new Date(0), onLeak: 'warn' })).toEqualTypeOf<EventLoop>()
    expectTypeOf(useRealTime).returns.toEqualTypeOf<void>()
  })

  vitestTest('takes LoopOptions, and only them', () => {
    expectTypeOf(useLoop).parameter(0).toEqualTypeOf<LoopOptions | undefined>()
    expectTypeOf<LoopOptions['onLeak']>().toEqualTypeOf<OnLeak | undefined>()
    // @ts-expect-error not a time flow
    useLoop({ timeFlow: 'sideways' })
    // @ts-expect-error `now` is a number or a Date
    useLoop({ now: '2030-01-01' })
    // @ts-expect-error autoUse is a plugin option, not a per-test one
    useLoop({ autoUse: false })
    // @ts-expect-error unknown option
    useLoop({ timeflow: 'manual' })
    // @ts-expect-error toFake names globals that virtual time can take over
    useLoop({ toFake: ['fetch'] })
    useLoop({ allow: ['expected', /poller/, (finding: Finding) => finding.kind === 'pending-timer'] })
    expectTypeOf<LoopOptions['onSlow']>().toEqualTypeOf<OnSlow | undefined>()
    useLoop({ debug: true, slowCallbackDuration: 50, onSlow: 'fail' })
    // @ts-expect-error onSlow is 'fail', 'warn' or 'ignore'
    useLoop({ onSlow: 'throw' })
    // @ts-expect-error traceDir is a plugin option, not a per-test one
    useLoop({ traceDir: 'traces' })
  })
})

describe('the loop fixture', () => {
  vitestTest("is typed on vitest's own test (module augmentation)", ({ loop }) => {
    expectTypeOf(loop).toEqualTypeOf<EventLoop>()
    // @ts-expect-error not a method of EventLoop
    loop.notAMethod()
  })

  test("is typed on vitest-loop's test", ({ loop }) => {
    expectTypeOf(loop).toEqualTypeOf<EventLoop>()
  })

  test('keeps the rest of the context', ({ loop, task, expect, signal }) => {
    expectTypeOf(loop.time()).toEqualTypeOf<number>()
    expectTypeOf(task.name).toEqualTypeOf<string>()
    expectTypeOf(signal).toEqualTypeOf<AbortSignal>()
    expect(loop.isClosed()).toBe(false)
  })

  test('extends further with test.extend', () => {
    const withUser = test.extend<{ user: string }>({ user: async ({}, use) => use('ada') })
    withUser('has both fixtures', ({ loop, user }) => {
      expectTypeOf(loop).toEqualTypeOf<EventLoop>()
      expectTypeOf(user).toEqualTypeOf<string>()
    })
  })
})

describe('EventLoop', () => {
  vitestTest('types tasks, results and handles', async () => {
    const loop = newEventLoop({ timeFlow: 'auto' })
    expectTypeOf(loop.createTask(async () => 42)).toEqualTypeOf<Task<number>>()
    expectTypeOf(await loop.runUntilComplete(async () => 'done')).toEqualTypeOf<string>()
    expectTypeOf(loop.callLater(10, (n: number) => n, 1)).toEqualTypeOf<TimerHandle>()
    expectTypeOf(await run(async () => true)).toEqualTypeOf<boolean>()
    expectTypeOf(loop).toExtend<Disposable>()
    expectTypeOf(loop).toExtend<AsyncDisposable>()
    // @ts-expect-error the delay comes first
    loop.callLater(() => {}, 10)
    // @ts-expect-error not an EventLoopOptions option
    newEventLoop({ onLeak: 'warn' })
    expectTypeOf(loop.exportTrace).toEqualTypeOf<(path: string) => void>()
    expectTypeOf<ChromeTrace['traceEvents'][number]['ph']>().toEqualTypeOf<'X' | 'i' | 'M'>()
  })

  vitestTest('has error classes with a code', () => {
    expectTypeOf(new CancelledError()).toExtend<Error>()
    expectTypeOf<LeakError['code']>().toBeString()
  })
})

describe('vitest-loop/core', () => {
  vitestTest('is the same loop, with virtual time for scripts', () => {
    expectTypeOf(coreNewEventLoop).toEqualTypeOf(newEventLoop)
    const time = installVirtualTime(coreNewEventLoop())
    expectTypeOf(time).toExtend<TimeInstallation & Disposable>()
    // @ts-expect-error toFake takes the Fakeable names
    installVirtualTime(coreNewEventLoop(), { toFake: ['setTimeout', 'nope'] })
  })
})

describe('loopPlugin()', () => {
  vitestTest('is a Vite plugin for defineConfig', () => {
    expectTypeOf(loopPlugin()).toEqualTypeOf<Plugin>()
    defineConfig({ plugins: [loopPlugin({ autoUse: false, exclude: ['e2e/**'], onLeak: 'warn' })] })
    defineConfig({ plugins: [loopPlugin({ debug: true, onSlow: 'fail', slowCallbackDuration: 50, traceDir: '.traces' })] })
  })

  vitestTest('takes PluginOptions, and only them', () => {
    expectTypeOf(loopPlugin).parameter(0).toEqualTypeOf<PluginOptions | undefined>()
    expectTypeOf<PluginOptions>().toExtend<LoopOptions>()
    // @ts-expect-error autoUse is a boolean
    loopPlugin({ autoUse: 'yes' })
    // @ts-expect-error exclude takes globs
    loopPlugin({ exclude: 'e2e/**' })
    // @ts-expect-error unknown option
    loopPlugin({ setupFile: './x.ts' })
  })
})
