// The global Date while virtual time is installed reads the loop's wall clock
// (src/time/clock.ts): every way of using Date reads the loop, and everything
// else is the host's Date.
import { describe, expect, it } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'

const start = Date.UTC(2030, 0, 1)

describe('the global Date on virtual time', () => {
  it('reads the loop: Date.now(), new Date(), Date() and after loop time moves', () => {
    const loop = newEventLoop({ now: start })
    using _time = installVirtualTime(loop)
    expect(Date.now()).toBe(start)
    expect(new Date().getTime()).toBe(start)
    expect(typeof Date()).toBe('string')
    expect(Date()).toBe(new Date(start).toString())
    loop.advanceSync(1500)
    expect(Date.now()).toBe(start + 1500)
    expect(new Date(0).getTime()).toBe(0)
    expect(Date.UTC(2030, 0, 2) - start).toBe(86_400_000)
    expect(Date.parse('2030-01-01T00:00:00Z')).toBe(start)
    loop.close()
  })

  it('keeps instanceof, the prototype, subclasses and the name', () => {
    const loop = newEventLoop({ now: start })
    using _time = installVirtualTime(loop)
    const date = new Date()
    expect(date instanceof Date).toBe(true)
    expect(new (globalThis as { Date: DateConstructor }).Date(5) instanceof Date).toBe(true)
    expect(Object.getPrototypeOf(date)).toBe(Date.prototype)
    const descriptor = Object.getOwnPropertyDescriptor(Date, 'prototype')!
    expect(descriptor.value).toBe(Date.prototype)
    expect(descriptor.configurable).toBe(false)
    expect(Reflect.ownKeys(Date)).toContain('prototype')
    class Later extends Date {
      later(): number {
        return this.getTime() + 1
      }
    }
    const later = new Later()
    expect(later.later()).toBe(start + 1)
    expect(later instanceof Date).toBe(true)
    expect(Date.name).toBe('Date')
    expect(typeof Date).toBe('function')
    loop.close()
  })

  it('shares the host Date\'s prototype: Dates made before, by structuredClone or by the host Date are instances', () => {
    const HostDate = Date
    const before = new HostDate(0)
    const loop = newEventLoop({ now: start })
    using _time = installVirtualTime(loop)
    expect(Date).not.toBe(HostDate)
    expect(before instanceof Date).toBe(true)
    expect(structuredClone(new Date()) instanceof Date).toBe(true)
    expect(new HostDate(1) instanceof Date).toBe(true)
    expect(Object.prototype.toString.call(new Date())).toBe('[object Date]')
    expect(new Date().constructor).toBe(HostDate)
    expect(Date.length).toBe(7)
    expect(Reflect.ownKeys(Date)).toEqual(expect.arrayContaining(['now', 'parse', 'UTC', 'prototype', 'length', 'name']))
    expect(new Date(2030, 0, 1, 12).getHours()).toBe(12)
    expect(new Date('2030-01-01T00:00:00Z').getTime()).toBe(start)
    loop.close()
  })
})
