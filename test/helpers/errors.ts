// Catch an error and pin its exact class and message.
import { expect } from 'vitest'

type ErrorClass = abstract new (...args: never[]) => Error

/** The error `fn` throws; fails the test if it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected the call to throw, but it returned')
}

/** The reason `promise` rejects with; fails the test if it resolves. */
export async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the promise to reject, but it resolved')
}

/** `error` is exactly an instance of `Class` (not a subclass or a sibling) with exactly `message`. */
export function expectError(error: unknown, Class: ErrorClass, message: string): void {
  expect(error).toBeInstanceOf(Class)
  expect((error as Error).constructor).toBe(Class)
  expect((error as Error).message).toBe(message)
}
