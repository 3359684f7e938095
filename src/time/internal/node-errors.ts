/**
 * The errors Node's own timer functions throw, with Node's codes and wording,
 * so code that checks `err.code` or `err.name` sees the same thing on virtual
 * time as on real timers (lib/internal/errors.js, lib/internal/validators.js).
 * @internal
 */
import { inspect } from 'node:util'

/** Node's `AbortError` (`code: 'ABORT_ERR'`), what timers/promises reject with on abort. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR'
  override readonly name = 'AbortError'

  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** Node's `determineSpecificType`: how an ERR_INVALID_ARG_TYPE message shows the value. */
function received(value: unknown): string {
  if (value == null) return `Received ${String(value)}`
  if (typeof value === 'function' && value.name) return `Received function ${value.name}`
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name
    return name ? `Received an instance of ${name}` : `Received ${inspect(value, { depth: -1 })}`
  }
  let shown = inspect(value, { colors: false })
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`
  return `Received type ${typeof value} (${shown})`
}

function withCode<E extends Error>(error: E, code: string): E & { code: string } {
  Object.defineProperty(error, 'code', { value: code, enumerable: true, writable: true, configurable: true })
  return error as E & { code: string }
}

/** `TypeError [ERR_INVALID_ARG_TYPE]: The "callback" argument must be of type function. Received undefined`. */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError & { code: string } {
  const what = name.includes('.') ? 'property' : 'argument'
  return withCode(new TypeError(`The "${name}" ${what} must be ${expected}. ${received(value)}`), 'ERR_INVALID_ARG_TYPE')
}

/** `RangeError [ERR_OUT_OF_RANGE]`, as Node's validateUint32 throws it. */
export function outOfRange(name: string, range: string, value: unknown): RangeError & { code: string } {
  return withCode(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${inspect(value)}`),
    'ERR_OUT_OF_RANGE',
  )
}

/** Node's validateFunction. */
export function validateFunction(value: unknown, name: string): asserts value is (...args: any[]) => unknown {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value)
}

/** Node's validateNumber (NaN passes: the timer turns it into 1). */
export function validateNumber(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
}

/** Node's validateObject as timers/promises uses it (null and arrays are refused). */
export function validateObject(value: unknown, name: string): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgType(name, 'of type object', value)
  }
}

/** Node's validateAbortSignal. */
export function validateAbortSignal(value: unknown, name: string): asserts value is AbortSignal | undefined {
  if (value !== undefined && (value === null || typeof value !== 'object' || !('aborted' in value))) {
    throw invalidArgType(name, 'an instance of AbortSignal', value)
  }
}

/** Node's validateBoolean. */
export function validateBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value)
}

/** Node's validateUint32(value, name, positive = false), as AbortSignal.timeout uses it. */
export function validateUint32(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value)
  if (value < 0 || value > 4_294_967_295) throw outOfRange(name, '>= 0 && <= 4294967295', value)
}
