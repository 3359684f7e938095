// A poller started by the test and never stopped.
import { it } from 'vitest'

function startPolling(everyMs: number, poll: () => void) {
  return setInterval(poll, everyMs)
}

it('starts polling and forgets to stop', async () => {
  startPolling(5000, () => {})
})
