/**
 * Types every test context with `loop` (the setup file defines it on each
 * context) and the options the plugin provides.
 */
import type { EventLoop } from '../loop/event-loop.ts'
import type { ProvidedOptions } from './options.ts'

declare module 'vitest' {
  interface TestContext {
    /** This test's event loop on virtual time (vitest-loop). */
    loop: EventLoop
  }
  interface ProvidedContext {
    'vitest-loop:options': ProvidedOptions
  }
}

export {}
