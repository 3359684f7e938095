// vitest-loop/plugin: for vitest.config.ts; touches no test API.
// The augmentation types `({ loop })` on every test context once the config imports this entry.
import './vitest/augment.ts'

export { loopPlugin } from './vitest/plugin.ts'
export type { PluginOptions, LoopOptions, OnLeak, OnSlow, LeakAllow, Fakeable } from './vitest/options.ts'
