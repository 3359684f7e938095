// Run by real-work-in-flight.test.ts in a fresh Node, where nothing else turns
// async hooks on: does watching real work give promises async ids (a promise
// hook calling into JavaScript for every promise)? Prints one JSON line.
import { createHook, executionAsyncId } from 'node:async_hooks'
import { watchRealWork, withoutPromises } from '../../src/vitest/real-work.ts'

/** Whether this Node knows createHook's `trackPromises` option. */
async function nodeCanLeavePromisesOut(): Promise<boolean> {
  let promises = 0
  // Asked the way the real-work hook asks.
  const probe = createHook(
    withoutPromises({
      init(_id, type) {
        if (type === 'PROMISE') promises++
      },
    }),
  ).enable()
  await Promise.resolve()
  probe.disable()
  return promises === 0
}

const supported = await nodeCanLeavePromisesOut()
watchRealWork()
// Without a promise hook a promise job runs with no async id of its own (0).
const idInPromiseJob = await Promise.resolve().then(() => executionAsyncId())
process.stdout.write(`${JSON.stringify({ supported, idInPromiseJob })}\n`)
