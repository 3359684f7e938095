// vitest-loop/core: the loop, the registry, errors and virtual time, with no Vitest import.
export * from './loop/index.ts'
