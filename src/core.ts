// vitest-loop/core: the loop, the registry, errors and virtual time, with no Vitest import.
export * from './loop/index.ts'
export { installTime, installVirtualTime } from './time/index.ts'

export type { Fakeable, Immediate, InstallOptions, LoopResolver, TimeInstallation, Timeout } from './time/index.ts'
