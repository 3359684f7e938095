// Never imports vitest-loop: the config's import of vitest-loop/plugin types the fixture.
import { expectTypeOf, test } from 'vitest'

test('the plain vitest test gets a typed loop', ({ loop }) => {
  expectTypeOf(loop.time()).toEqualTypeOf<number>()
  expectTypeOf(loop.runUntilComplete(async () => 1)).resolves.toEqualTypeOf<number>()
  // @ts-expect-error not a method of EventLoop
  loop.notAMethod()
})

test.extend<{ db: string }>({ db: async ({}, use) => use('memory') })('extended vitest test too', ({ loop, db }) => {
  expectTypeOf(loop.isClosed()).toEqualTypeOf<boolean>()
  expectTypeOf(db).toEqualTypeOf<string>()
})
