/**
 * loopPlugin(): one line in vitest.config.ts. Adds the setup file first (so
 * its hooks are outermost) and hands the options to the workers through
 * `provide`. It leaves includeTaskLocation as it is: reports find the test's
 * line their own way (test-site.ts).
 * It imports no Vitest runtime: config files load it (VITEST-NOTES §10).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vitest/config'
import { toEpochMs } from '../loop/internal/validate.ts'
import { envTraces } from '../loop/internal/env.ts'
import { toTraceLimit } from '../loop/trace.ts'
import type { PluginOptions, ProvidedOptions } from './options.ts'
import { providedKey, validateOptions } from './options.ts'
import { SummaryReporter } from './run-summary.ts'
import { runStartInstant, startKey } from './start-instant.ts'

/** Runs whose reporters already include the summary (configureVitest runs once per project). */
const withSummary = new WeakSet<object>()

/** This package's own files (src/ or dist/): their frames are never the user's. */
const ownDir = fileURLToPath(new URL('..', import.meta.url))

const setupFile = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../setup.ts' : '../setup.js', import.meta.url))

/**
 * @example
 * // vitest.config.ts
 * import { defineConfig } from 'vitest/config'
 * import { loopPlugin } from 'vitest-loop/plugin'
 * export default defineConfig({ plugins: [loopPlugin()] })
 */
export function loopPlugin(options: PluginOptions = {}): Plugin {
  validateOptions(options, 'loopPlugin()')
  const provided = toProvided(options)
  return {
    name: 'vitest-loop',
    // First among the config hooks: Vitest 5 hands inline `projects` that
    // share the root's Vite server the root's `test` options as they were
    // before the plugins' config hooks (its own 'pre' hook copies them), so
    // ours must have run by then. Vitest 4.1 reads them after every hook.
    enforce: 'pre',
    config: {
      order: 'pre',
      handler(config) {
        const test = ((config as { test?: Record<string, unknown> }).test ??= {})
        const existing = test.setupFiles == null ? [] : [test.setupFiles as string | string[]].flat()
        if (!existing.includes(setupFile)) test.setupFiles = [setupFile, ...existing]
        // Drop our frames (the wrapper around each test function, the loop
        // calling a callback) from every stack Vitest prints, the user's errors included.
        const userFilter = test.onStackTrace as ((error: unknown, frame: { file: string }) => boolean | void) | undefined
        test.onStackTrace = (error: unknown, frame: { file: string }) =>
          !frame.file.startsWith(ownDir) && (userFilter === undefined || userFilter(error, frame) !== false)
        // `exclude` globs are relative to the project root (test.root, else root, else the working directory).
        const root = (test.root as string | undefined) ?? (config as { root?: string }).root
        provided.root = path.resolve(root ?? process.cwd())
        if (options.traceDir !== undefined) provided.traceDir = path.resolve(provided.root, options.traceDir)
        const provide = ((test.provide as Record<string, unknown> | undefined) ??= {})
        provide[providedKey] = provided
        // Here, in the main process, once per run: every worker starts its tests' loops at the same instant.
        provide[startKey] = runStartInstant()
        envTraces() // a bad LOOP_TRACES stops the run here, as a bad LOOP_NOW does
      },
    },
    // The run's one-line summary (run-summary.ts), added before Vitest makes its reporters, once per run.
    configureVitest({ vitest }) {
      if (options.summary === false || withSummary.has(vitest)) return
      withSummary.add(vitest)
      ;(vitest.config.reporters as unknown[]).push(new SummaryReporter())
    },
  }
}

function toProvided(options: PluginOptions): ProvidedOptions {
  const provided: ProvidedOptions = {}
  if (options.timeFlow !== undefined) provided.timeFlow = options.timeFlow
  if (options.now !== undefined) provided.now = toEpochMs('now', options.now)
  if (options.toFake !== undefined) provided.toFake = [...options.toFake]
  if (options.debug !== undefined) provided.debug = options.debug
  if (options.slowCallbackDuration !== undefined) provided.slowCallbackDuration = options.slowCallbackDuration
  if (options.onSlow !== undefined) provided.onSlow = options.onSlow
  if (options.onLeak !== undefined) provided.onLeak = options.onLeak
  if (options.loopLimit !== undefined) provided.loopLimit = options.loopLimit
  if (options.traces !== undefined) provided.traces = toTraceLimit('traces', options.traces) === Infinity ? 'all' : options.traces
  if (options.autoUse !== undefined) provided.autoUse = options.autoUse
  if (options.exclude !== undefined) provided.exclude = [...options.exclude]
  if (options.attach !== undefined) provided.attach = options.attach
  if (options.allow !== undefined) {
    provided.allow = options.allow.map((entry) => {
      if (typeof entry !== 'string') {
        throw new TypeError(
          'loopPlugin({ allow }) takes strings only (options cross to the test workers as data); pass RegExps and functions to useLoop({ allow }) in the test',
        )
      }
      return entry
    })
  }
  return provided
}

export type { PluginOptions } from './options.ts'
