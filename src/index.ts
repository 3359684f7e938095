// vitest-loop: everything a test file uses.
import './vitest/augment.ts'

export * from './test-api.ts'
export { test } from './vitest/fixture.ts'
