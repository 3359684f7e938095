// vitest-loop: everything a test file uses.
export * from './loop/index.ts'
