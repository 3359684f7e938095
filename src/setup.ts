// vitest-loop/setup: add to test.setupFiles (loopPlugin() does it for you).
import './vitest/setup.ts'
