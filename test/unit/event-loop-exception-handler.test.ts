// The exception handler: asyncio's call_exception_handler / set_exception_handler.
import { describe, expect, it } from 'vitest'
import { newEventLoop } from 'vitest-loop'
import type { EventLoop, ExceptionContext } from 'vitest-loop'
import { expectError, thrown } from '../helpers/errors.ts'

describe('exception handler', () => {
  it('records an error thrown by a callback with the default handler, and keeps running', () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const log: string[] = []
    const handle = loop.callSoon(() => {
      throw boom
    })
    loop.callSoon(() => log.push('next callback still runs'))
    loop.runUntilIdleSync()
    expect(log).toEqual(['next callback still runs'])
    expect(loop._snapshot().errors).toEqual([{ message: 'Exception in callback', exception: boom, handle }])
    expect(loop._snapshot().errors[0]!.handle).toBe(handle)
    loop.close()
  })

  it('names the kind of handle that threw', async () => {
    const loop = newEventLoop()
    const boom = new Error('timer boom')
    const timer = loop.callLater(10, () => {
      throw boom
    })
    await loop.runUntilIdle()
    expect(loop._snapshot().errors).toEqual([{ message: 'Exception in timer', exception: boom, handle: timer }])
    loop.close()
  })

  it('hands (loop, context) to a custom handler instead of recording', () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const calls: [EventLoop, ExceptionContext][] = []
    const handler = (l: EventLoop, context: ExceptionContext): void => {
      calls.push([l, context])
    }
    loop.setExceptionHandler(handler)
    expect(loop.getExceptionHandler()).toBe(handler)
    const handle = loop.callSoon(() => {
      throw boom
    })
    loop.runUntilIdleSync()
    expect(calls).toHaveLength(1)
    expect(calls[0]![0]).toBe(loop)
    expect(calls[0]![1]).toEqual({ message: 'Exception in callback', exception: boom, handle })
    expect(loop._snapshot().errors).toEqual([])
    loop.close()
  })

  it('goes back to the default handler with setExceptionHandler(null)', () => {
    const loop = newEventLoop()
    loop.setExceptionHandler(() => {})
    loop.setExceptionHandler(null)
    expect(loop.getExceptionHandler()).toBeUndefined()
    loop.callSoon(() => {
      throw new Error('recorded')
    })
    loop.runUntilIdleSync()
    expect(loop._snapshot().errors.map((context) => (context.exception as Error).message)).toEqual(['recorded'])
    loop.close()
  })

  it('callExceptionHandler() reaches the custom handler, or the default one', () => {
    const loop = newEventLoop()
    const context: ExceptionContext = { message: 'something went wrong', exception: new Error('why') }
    loop.callExceptionHandler(context)
    expect(loop._snapshot().errors).toEqual([context])
    const seen: ExceptionContext[] = []
    loop.setExceptionHandler((_loop, c) => seen.push(c))
    loop.callExceptionHandler(context)
    expect(seen).toEqual([context])
    expect(loop._snapshot().errors).toEqual([context])
    loop.close()
  })

  it('falls back to the default handler when the custom one throws, keeping the original error', () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const handlerBroke = new Error('handler broke')
    loop.setExceptionHandler(() => {
      throw handlerBroke
    })
    const handle = loop.callSoon(() => {
      throw boom
    })
    loop.runUntilIdleSync()
    const original = { message: 'Exception in callback', exception: boom, handle }
    expect(loop._snapshot().errors).toEqual([
      { message: 'Unhandled error in exception handler', exception: handlerBroke, context: original },
    ])
    loop.close()
  })

  it('rejects a handler that is not a function, naming it', () => {
    const loop = newEventLoop()
    expectError(
      thrown(() => loop.setExceptionHandler('log it' as never)),
      TypeError,
      "Expected `handler` to be a function, got `'log it'` (string)",
    )
    loop.close()
  })
})
