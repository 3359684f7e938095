/**
 * What the environment says about vitest-loop. @internal
 */

/**
 * `LOOP_DEBUG` turns debug mode on for every loop made without an explicit
 * `debug` option, as PYTHONASYNCIODEBUG does for asyncio: any value but
 * empty, `0` or `false`. Read when a loop is made (and by the plugin when the
 * config loads), so it reaches test workers, which inherit the environment.
 * @internal
 */
export function envDebug(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.LOOP_DEBUG
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false'
}

/**
 * `LOOP_TRACES`: how many creations each loop traces, for every loop, over the
 * option `traces` (so that a report's replay command gets full traces whatever
 * the config says): `all`, or a whole number. Unset or empty: undefined.
 * Anything else is a RangeError that names the variable and the value.
 * @internal
 */
export function envTraces(env: NodeJS.ProcessEnv = process.env): number | 'all' | undefined {
  const v = env.LOOP_TRACES?.trim()
  if (v === undefined || v === '') return undefined
  if (v.toLowerCase() === 'all') return 'all'
  if (/^\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v)
  throw new RangeError(
    `Expected \`LOOP_TRACES\` to be 'all' or a whole number of traced creations per loop (default 1000), got ${JSON.stringify(env.LOOP_TRACES)}`,
  )
}

/**
 * `LOOP_NOW`: the start instant of every test's loop, to replay a run. An
 * ISO date (`2026-12-03T19:00:00.000Z`, `2026-12-03`) or epoch milliseconds
 * (`1796324400000`); unset or empty: undefined. Anything else is a RangeError
 * that names the variable and the value.
 * @internal
 */
export function envNow(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.LOOP_NOW?.trim()
  if (v === undefined || v === '') return undefined
  const ms = /^-?\d+$/.test(v) ? Number(v) : /^[+-]?\d{4,6}-\d\d/.test(v) ? Date.parse(v) : Number.NaN
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > 8.64e15) {
    throw new RangeError(
      `Expected \`LOOP_NOW\` to be an ISO date (2026-12-03T19:00:00.000Z) or epoch milliseconds (1796324400000), got ${JSON.stringify(env.LOOP_NOW)}`,
    )
  }
  return ms
}
