// vitest-loop/setup: add to test.setupFiles (loopPlugin() does it for you).
import { setUpFile } from './vitest/setup.ts'

// Here, not in the module: Vitest evaluates this file again for each test file
// that shares a worker's globals (isolate: false, vmThreads), its imports once.
await setUpFile()
