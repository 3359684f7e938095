import { defineConfig } from 'vitest/config'
import { loopPlugin } from 'vitest-loop/plugin'

export default defineConfig({ plugins: [loopPlugin()] })
