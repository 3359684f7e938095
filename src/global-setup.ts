// vitest-loop/global-setup: for the setup-file route (`test.globalSetup`), which
// has no hook in the main process otherwise. It provides the run's start instant
// so that every worker starts its tests' loops at the same one; loopPlugin()
// does this itself. It imports no Vitest runtime.
import type { TestProject } from 'vitest/node'
import { runStartInstant, startKey } from './vitest/start-instant.ts'

export default function setup(project: TestProject): void {
  project.provide(startKey, runStartInstant())
}
