/**
 * A set that starts as one shared empty set and becomes its owner's own on
 * its first item: for sets most owners never fill (a loop's tasks, a test's
 * own loops), made for every loop or test. @internal
 */

/** The shared empty set, never written. @internal */
export const emptySet: ReadonlySet<never> = new Set<never>()

/** `set` with `item` added: a set of its own in place of `emptySet`. @internal */
export function withItem<T>(set: ReadonlySet<T>, item: T): Set<T> {
  return (set === emptySet ? new Set<T>() : (set as Set<T>)).add(item)
}

/** Removes `item` from `set` (nothing to remove from `emptySet`). @internal */
export function withoutItem<T>(set: ReadonlySet<T>, item: T): void {
  if (set !== emptySet) (set as Set<T>).delete(item)
}
