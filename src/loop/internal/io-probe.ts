/**
 * Is real I/O started by the code under test in flight? Node lists what keeps
 * its event loop alive in `process.getActiveResourcesInfo()`. Timers and
 * immediates are not I/O, and servers, terminals and message ports live for
 * the whole process; anything else above the count seen when the probe was
 * made (a file read, a DNS lookup, a connecting or open socket, a child
 * process) is I/O the test is waiting on.
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

function countIo(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const type of process.getActiveResourcesInfo()) {
    if (notIo.has(type)) continue
    counts.set(type, (counts.get(type) ?? 0) + 1)
  }
  return counts
}

/** A probe that answers true while more I/O is active than when it was made. @internal */
export function defaultIoProbe(): () => boolean {
  const baseline = countIo()
  return () => {
    for (const [type, count] of countIo()) if (count > (baseline.get(type) ?? 0)) return true
    return false
  }
}
