/**
 * The default executor behind `loop.runInExecutor()`: a small pool of worker
 * threads shared by every loop, started on first use, each thread kept
 * unref'd while idle so it never keeps the process alive.
 *
 * A function crosses to a worker as its source text, so it may use only its
 * arguments and globals (`require` is one, in the worker): not variables from
 * around it. Arguments and the result are copied (structured clone).
 * @internal
 */
import { createRequire } from 'node:module'
import type { Worker } from 'node:worker_threads'

// Loaded on first use: a test worker that never calls runInExecutor (nearly
// all) would otherwise load and compile Node's worker_threads and os modules,
// about 4 ms of every test file's start.
const require = createRequire(import.meta.url)

const workerSource = `
const { parentPort } = require('node:worker_threads')
globalThis.require = require
parentPort.on('message', async ({ id, source, args }) => {
  let reply
  try {
    const fn = (0, eval)('(' + source + ')')
    reply = { id, ok: true, value: await fn(...args) }
    parentPort.postMessage(reply)
  } catch (error) {
    try {
      parentPort.postMessage({ id, ok: false, error })
    } catch {
      parentPort.postMessage({ id, ok: false, error: new Error(String(error && error.message || error)) })
    }
  }
})
`

interface Job {
  readonly id: number
  readonly source: string
  readonly args: readonly unknown[]
  resolve(value: unknown): void
  reject(error: unknown): void
}

interface Reply {
  id: number
  ok: boolean
  value?: unknown
  error?: unknown
}

class WorkerPool {
  readonly #size: number
  readonly #idle: Worker[] = []
  readonly #running = new Map<Worker, Job>()
  readonly #queue: Job[] = []
  #started = 0
  #nextId = 0

  constructor(size: number) {
    this.#size = size
  }

  run(fn: (...args: any[]) => unknown, args: readonly unknown[]): Promise<unknown> {
    const source = Function.prototype.toString.call(fn)
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: ++this.#nextId, source, args, resolve, reject })
      this.#dispatch()
    })
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const worker = this.#idle.pop() ?? (this.#started < this.#size ? this.#spawn() : undefined)
      if (worker === undefined) return
      const job = this.#queue.shift()!
      this.#running.set(worker, job)
      worker.ref()
      try {
        worker.postMessage({ id: job.id, source: job.source, args: job.args })
      } catch (error) {
        // The arguments cannot be copied (DataCloneError): the worker stays free.
        this.#running.delete(worker)
        this.#release(worker)
        job.reject(error)
      }
    }
  }

  #spawn(): Worker {
    this.#started++
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads')
    const worker = new Worker(workerSource, { eval: true })
    worker.on('message', (reply: Reply) => {
      const job = this.#running.get(worker)
      if (job === undefined || job.id !== reply.id) return
      this.#running.delete(worker)
      this.#release(worker)
      if (reply.ok) job.resolve(reply.value)
      else job.reject(reply.error)
      this.#dispatch()
    })
    let gone = false
    const lost = (error: unknown): void => {
      if (gone) return
      gone = true
      const job = this.#running.get(worker)
      this.#running.delete(worker)
      const at = this.#idle.indexOf(worker)
      if (at !== -1) this.#idle.splice(at, 1)
      this.#started--
      job?.reject(error)
      this.#dispatch()
    }
    worker.on('error', lost)
    worker.on('exit', (code) => lost(new Error(`The executor's worker thread exited with code ${code}`)))
    return worker
  }

  #release(worker: Worker): void {
    worker.unref()
    this.#idle.push(worker)
  }
}

let pool: WorkerPool | undefined

/** Runs `fn(...args)` on the shared worker pool. @internal */
export function runOnExecutor(fn: (...args: any[]) => unknown, args: readonly unknown[]): Promise<unknown> {
  pool ??= new WorkerPool(Math.max(1, Math.min(4, (require('node:os') as typeof import('node:os')).availableParallelism() - 1)))
  return pool.run(fn, args)
}
