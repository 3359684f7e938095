/**
 * Argument checks shared by every public entry. A message names the argument,
 * shows the value and its type: ``Expected `delay` to be a finite number, got `NaN` (number)``.
 * @internal
 */
import { inspect } from 'node:util'

/** `42 (number)`, `'5' (string)`, `[Function: f] (function)`. @internal */
export function describeValue(value: unknown): string {
  const type = value === null ? 'null' : typeof value
  return `\`${inspect(value, { depth: 0, breakLength: Infinity, maxStringLength: 40 })}\` (${type})`
}

/** @internal */
export function expectFunction(name: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new TypeError(`Expected \`${name}\` to be a function, got ${describeValue(value)}`)
  }
}

/** A finite number of milliseconds, at least 0. @internal */
export function expectDelay(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`${name}\` to be a number of milliseconds, got ${describeValue(value)}`)
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`Expected \`${name}\` to be a finite number, got ${describeValue(value)}`)
  }
  if (value < 0) {
    throw new RangeError(`Expected \`${name}\` to be a non-negative number, got ${describeValue(value)}`)
  }
}

/** A finite number (a point in loop time). @internal */
export function expectTime(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`${name}\` to be a number of milliseconds, got ${describeValue(value)}`)
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`Expected \`${name}\` to be a finite number, got ${describeValue(value)}`)
  }
}

/** A whole number, at least `min`. @internal */
export function expectInteger(name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`${name}\` to be a number, got ${describeValue(value)}`)
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`Expected \`${name}\` to be an integer of at least ${min}, got ${describeValue(value)}`)
  }
}

/** A wall-clock instant: epoch milliseconds or a valid Date. @internal */
export function toEpochMs(name: string, value: unknown): number {
  if (value instanceof Date) {
    const ms = value.getTime()
    if (Number.isNaN(ms)) throw new RangeError(`Expected \`${name}\` to be a valid Date, got ${describeValue(value)}`)
    return ms
  }
  expectTime(name, value)
  return value
}

/** One of a fixed set of strings. @internal */
export function expectOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new TypeError(
      `Expected \`${name}\` to be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}`,
    )
  }
}
