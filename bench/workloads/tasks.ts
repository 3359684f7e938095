/**
 * C: `tasks` tasks, each doing `sleeps` sleeps of seeded random length
 * (1 to 1,000 ms), run to the end in the auto time flow (time jumps to the
 * next timer by itself whenever nothing else can run).
 */
import type { Engine } from '../lib/engines.ts'
import { delays } from '../lib/rng.ts'
import { realNow } from '../lib/real.ts'

export function autoTasks(engine: Engine, tasks: number, sleeps: number): () => Promise<number> {
  if (!engine.auto) throw new Error(`${engine.id} has no auto time flow`)
  const make = engine.auto.bind(engine)
  const ds = delays(tasks * sleeps, 1, 1000, 7)
  return async () => {
    const auto = make()
    let slept = 0
    const t0 = realNow()
    const list: PromiseLike<void>[] = []
    for (let t = 0; t < tasks; t++) {
      const base = t * sleeps
      list.push(
        auto.spawn(async () => {
          for (let s = 0; s < sleeps; s++) {
            await auto.sleep(ds[base + s]!)
            slept++
          }
        }),
      )
    }
    await auto.run(list)
    const ms = realNow() - t0
    auto.dispose()
    if (slept !== tasks * sleeps) throw new Error(`${engine.id}: ${slept} of ${tasks * sleeps} sleeps ended`)
    return ms
  }
}
