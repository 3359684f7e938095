/**
 * Types every test context with `loop` (the setup file defines it on each
 * context) and the options the plugin provides.
 */
import type { EventLoop } from '../loop/event-loop.ts'
import type { ProvidedOptions } from './options.ts'

// TestContext is declared by @vitest/runner: `vitest` only re-exports it, and
// an augmentation of the re-export does not reach it (TypeScript 5.9, Vitest
// 4.1: `({ loop })` stayed untyped). @vitest/runner is a peer dependency, so it
// resolves from here wherever vitest does.
declare module '@vitest/runner' {
  interface TestContext {
    /** This test's event loop on virtual time (vitest-loop). */
    loop: EventLoop
  }
}

declare module 'vitest' {
  interface ProvidedContext {
    'vitest-loop:options': ProvidedOptions
    /** The run's start instant, epoch ms (start-instant.ts). */
    'vitest-loop:start': number
  }
}

export {}
