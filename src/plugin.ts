// vitest-loop/plugin: for vitest.config.ts; touches no test API.
export { loopPlugin } from './vitest/plugin.ts'
export type { PluginOptions, LoopOptions, OnLeak, LeakAllow, Fakeable } from './vitest/options.ts'
