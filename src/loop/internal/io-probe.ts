/**
 * Is real I/O started by the code under test in flight? Node lists what keeps
 * its event loop alive in `process.getActiveResourcesInfo()` (ref'd handles
 * and pending requests, by type). A probe remembers what was active when it
 * was made (the test runner's own pipes and ports, servers of earlier tests)
 * and answers true while more is active than that, of a type that is I/O:
 *
 * - not I/O: timers and immediates (the loop's own hop, the pump's poll, any
 *   real timer), terminals, signal handlers, file watchers, message ports,
 *   and listening servers, which wait for others rather than being waited on;
 * - a socket a server accepted is the server's side of a connection, not a
 *   request the test waits on (the client's side is): an HTTP server keeps it
 *   open, idle, after answering (keep-alive), and counting it would hold time
 *   long after the exchange ended. Telling the two sides apart takes the
 *   socket objects (`process._getActiveHandles()`), asked only when sockets
 *   are above the baseline.
 *
 * Everything else (file system requests, DNS lookups, connecting and open
 * client sockets, writes, child processes) is I/O the test is waiting on.
 *
 * Cost: one `getActiveResourcesInfo()` (about 0.4 µs with a handful of
 * resources, 2 µs in a Vitest worker) per call; making a probe also takes the
 * active handles when a socket may be among them (the forks pool's stdio
 * pipes), not in a worker thread at rest. The loop asks only when it is about to move time
 * (at most once per pass), and once per millisecond of real time while I/O
 * holds it. The answer is not cached: code can start I/O at any point of a
 * macrotask, and a stale "no" would let time jump over a request in flight.
 * @internal
 */

const notIo = new Set([
  'Timeout',
  'Immediate',
  'TTYWrap',
  'TCPServerWrap',
  'PipeServerWrap',
  'MessagePort',
  'SignalWrap',
  'StatWatcher',
  'FSEventWrap',
])

/** Handle types whose owner may be a server's side of a connection. */
const socketTypes = new Set(['TCPSocketWrap', 'TCPWrap', 'PipeWrap', 'TLSWrap'])

interface Handles {
  _getActiveHandles?: () => unknown[]
}

/** Active resources that may be I/O (of `types`, by default the active ones), counted by type. */
function countIo(types: readonly string[] = process.getActiveResourcesInfo()): Map<string, number> {
  const counts = new Map<string, number>()
  for (const type of types) {
    if (notIo.has(type)) continue
    counts.set(type, (counts.get(type) ?? 0) + 1)
  }
  return counts
}

function activeHandles(): unknown[] | undefined {
  return (process as unknown as Handles)._getActiveHandles?.()
}

/** A socket a server accepted: the server's side of a connection. */
function isServerSide(handle: unknown): boolean {
  return typeof handle === 'object' && handle !== null && (handle as { server?: unknown }).server != null
}

/** A probe that answers true while more I/O is active than when it was made. @internal */
export function defaultIoProbe(): () => boolean {
  const types = process.getActiveResourcesInfo()
  const baseline = countIo(types)
  // The handles active now are looked up below for sockets only. Both lists
  // hold ref'd handles only, so when every type active now is in `notIo` but
  // a terminal's (timers, message ports, servers: a worker thread at rest),
  // no socket is among them: taking them would find nothing. Kept as Node
  // returns them, a few objects (the forks pool's stdio pipes and channel),
  // searched only when sockets are above the baseline: a set of them cost
  // every loop more than the array does, and holds them no longer than the loop.
  const baselineHandles = baseline.size > 0 || types.includes('TTYWrap') ? activeHandles() : undefined
  return () => {
    let sockets = false
    for (const [type, count] of countIo()) {
      if (count <= (baseline.get(type) ?? 0)) continue
      if (!socketTypes.has(type)) return true
      sockets = true
    }
    if (!sockets) return false
    const handles = activeHandles()
    if (handles === undefined) return true
    for (const handle of handles) {
      if (typeof handle !== 'object' || handle === null || baselineHandles?.includes(handle) === true) continue
      if (!isSocket(handle)) continue
      if (!isServerSide(handle)) return true
    }
    return false
  }
}

/** A net.Socket (or a child's stdio pipe): has the duplex stream's shape. */
function isSocket(handle: object): boolean {
  return typeof (handle as { write?: unknown }).write === 'function' && 'readable' in handle
}
