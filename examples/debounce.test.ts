// Debounce in manual time: the test moves the clock itself.
import { expect, it, vi } from 'vitest'
import { useLoop } from 'vitest-loop'

function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined
  return (...args: A) => {
    clearTimeout(timer)
    timer = setTimeout(() => fn(...args), ms)
  }
}

it('calls once, with the last arguments, 300 ms after the burst ends', async () => {
  const loop = useLoop({ timeFlow: 'manual' })
  const save = vi.fn()
  const onInput = debounce(save, 300)

  onInput('h')
  await loop.advance(100)
  onInput('he')
  await loop.advance(100)
  onInput('hello')
  await loop.advance(299)
  expect(save).not.toHaveBeenCalled()

  await loop.advance(1)
  expect(save).toHaveBeenCalledOnce()
  expect(save).toHaveBeenCalledWith('hello')
})
