/**
 * The start instant of a run: the wall clock every test's loop starts at.
 *
 * One per run, so a suite sees the same phase every time (code aligned to
 * whole seconds, such as a cron scheduler, behaves the same in every test of
 * the run and in every worker), and replayable: every failure report names it,
 * and `LOOP_NOW=<instant> vitest run <file> -t <name>` replays that test.
 *
 * Who decides it, first that applies: the option `now` (plugin or setup-file
 * config), `LOOP_NOW`, the instant provided by the main process (the plugin's
 * config hook, or the `vitest-loop/global-setup` file on the setup-file route),
 * and, with neither, the worker's own wall clock when it first needs it, each
 * truncated to a whole second. It imports no Vitest runtime: the plugin runs
 * it in the main process.
 * @internal
 */
import { envNow } from '../loop/internal/env.ts'
import { host } from '../loop/internal/host.ts'

/** The key under which the main process provides the run's start instant (epoch ms). @internal */
export const startKey = 'vitest-loop:start'

const cacheKey = Symbol.for('vitest-loop:run-start')

/**
 * `LOOP_NOW` if set, else the wall clock the first time this process asks,
 * truncated to a whole second (kept for the life of the process: every
 * project of the run, and every rerun in watch mode, starts at the same instant).
 * @internal
 */
export function runStartInstant(): number {
  const fromEnv = envNow()
  if (fromEnv !== undefined) return fromEnv
  const cache = globalThis as Record<symbol, number | undefined>
  return (cache[cacheKey] ??= Math.floor(host.dateNow() / 1000) * 1000)
}

/** `2026-12-03T19:00:00.000Z`. @internal */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString()
}

/**
 * The line a failure report ends with: the instant and the command that
 * replays the test. `file` is relative to the root, `name` the test's full
 * name (describe blocks and the test, joined as the running Vitest's `-t`
 * matches them: by spaces in 4.1, by ` > ` in 5).
 * @internal
 */
export function replayLine(instant: number, file: string, name: string): string {
  const pattern = name.replace(/[*+?^${}()|[\]\\]/g, '\\$&') // `.` matches itself: left as is, for reading
  const path = /^[\w./@%+=:,-]+$/.test(file) ? file : shellQuote(file)
  return `replay: LOOP_NOW=${formatInstant(instant)} vitest run ${path} -t ${shellQuote(pattern)}`
}

/** Quoted for a POSIX shell: double quotes when nothing in it is special there, else single quotes. */
function shellQuote(text: string): string {
  if (!/["$`\\!]/.test(text)) return `"${text}"`
  return `'${text.replaceAll("'", `'\\''`)}'`
}
