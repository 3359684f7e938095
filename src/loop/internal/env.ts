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
