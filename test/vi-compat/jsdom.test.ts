// @vitest-environment jsdom
// Vitest runs its timers suite twice, in the node and the jsdom environment
// (timers-node.test.ts and timers-jsdom.test.ts import it); this file runs
// the cases of the vi-compat files in jsdom (frames.test.ts on its own runs
// in happy-dom). The top-level hooks of every imported file apply to all
// their tests here.
import { afterEach, vi } from 'vitest'
import './advance.test.ts'
import './steps.test.ts'
import './install.test.ts'
import './system-time.test.ts'
import './frames.test.ts'

// Registered last, so it runs first (hooks stack): steps.test.ts clears what
// its tests leave before any file's vi.useRealTimers() hands it to the sanitizer.
afterEach(() => {
  vi.clearAllTimers()
})
