// The debug-mode options (onSlow, slowCallbackDuration, traceDir): checked
// where they are given, and handed to the workers by the plugin.
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loopPlugin } from 'vitest-loop/plugin'
import { providedKey, validateOptions } from '../../src/vitest/options.ts'
import { expectError, thrown } from '../helpers/errors.ts'

describe('validateOptions', () => {
  it('takes onSlow, slowCallbackDuration and traceDir', () => {
    expect(() => validateOptions({ onSlow: 'fail', slowCallbackDuration: 0, traceDir: 'traces' }, 'useLoop()')).not.toThrow()
  })

  it('names a bad one and what it takes', () => {
    expectError(
      thrown(() => validateOptions({ onSlow: 'throw' }, 'useLoop()')),
      TypeError,
      "Expected `onSlow` to be one of 'fail', 'warn', 'ignore', got `'throw'` (string)",
    )
    expectError(
      thrown(() => validateOptions({ slowCallbackDuration: -1 }, 'useLoop()')),
      RangeError,
      'Expected `slowCallbackDuration` to be a non-negative number, got `-1` (number)',
    )
    expectError(
      thrown(() => validateOptions({ traceDir: '' }, 'loopPlugin()')),
      TypeError,
      "Expected `traceDir` to be a non-empty string (a folder), got `''` (string)",
    )
  })
})

describe('loopPlugin()', () => {
  it('provides the debug-mode options to the workers, traceDir resolved against the root', () => {
    const plugin = loopPlugin({ debug: true, onSlow: 'fail', slowCallbackDuration: 50, traceDir: 'traces' })
    const config: { test?: Record<string, unknown> } = { test: { root: '/project' } }
    ;(plugin.config as { handler: (config: unknown) => void }).handler(config)
    expect((config.test!.provide as Record<string, unknown>)[providedKey]).toMatchObject({
      debug: true,
      onSlow: 'fail',
      slowCallbackDuration: 50,
      traceDir: path.resolve('/project', 'traces'),
    })
  })
})
