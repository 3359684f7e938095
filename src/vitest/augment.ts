/**
 * Types every test context with `loop` (the setup file defines it on each
 * context) and the options the plugin provides.
 */
import type { EventLoop } from '../loop/event-loop.ts'
import type { ProvidedOptions } from './options.ts'

// Where TestContext is declared differs between the majors, and an
// augmentation must name that module: Vitest 4.1 declares it in
// @vitest/runner (`vitest` only re-exports it, and an augmentation of the
// re-export does not reach it: `({ loop })` stayed untyped, TypeScript 5.9);
// Vitest 5 declares it in `vitest` itself. Each augmentation is inert under
// the other major (an augmentation of a module that does not resolve, as
// @vitest/runner under Vitest 5, is no error in a declaration file).
declare module '@vitest/runner' {
  interface TestContext {
    /** This test's event loop on virtual time (vitest-loop). */
    loop: EventLoop
  }
}

/**
 * What `vitest`'s TestContext must extend in 4.1, where augmenting it there
 * declares a new one (it would hide the runner's): the runner's context. In
 * Vitest 5 (no `bench` export) nothing: the augmentation merges.
 */
type RunnerContext = typeof import('vitest') extends { bench: unknown } ? import('vitest').RunnerTestCase['context'] : {}

declare module 'vitest' {
  interface TestContext extends RunnerContext {
    /** This test's event loop on virtual time (vitest-loop). */
    loop: EventLoop
  }
  interface ProvidedContext {
    'vitest-loop:options': ProvidedOptions
    /** The run's start instant, epoch ms (start-instant.ts). */
    'vitest-loop:start': number
  }
}

export {}
