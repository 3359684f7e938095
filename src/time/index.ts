// Virtual time in the globals: what src/vitest and scripts use of src/time.
export { installTime, installVirtualTime } from './install.ts'

export type { Fakeable, InstallOptions, LoopResolver, TimeInstallation } from './install.ts'
export type { Immediate, Timeout } from './timers.ts'
