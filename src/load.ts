/**
 * How a test worker loads vitest-loop (the published package only; the
 * sources in this repository load as ES modules through Vite).
 *
 * Every test file in Vitest's forks and threads pools starts a fresh worker,
 * and each one compiles the package again: the bundle, then each function the
 * first time it runs. V8 can keep that work across processes (a code cache)
 * but Node exposes it for a script (`vm.Script`'s `cachedData`), not for an ES
 * module. So in a worker's main context the package's worker side (the three
 * entries `vitest-loop`, `vitest-loop/core` and `vitest-loop/setup`) is one
 * CommonJS script, dist/lib/runtime.cjs, run once per worker, compiled from
 * the cache in node_modules/.cache/vitest-loop when there is one; the first
 * worker without it writes it after its test file ran, so the functions the
 * tests called are in it too.
 *
 * Anywhere else (the vm pools, whose tests run in a context of their own that
 * the script must not patch around; a process that is not a Vitest worker,
 * such as a script using `vitest-loop/core`), each entry imports its ES
 * module (dist/lib/*.js) as before. Within one context every entry takes the
 * same way, so there is one copy of the package's state and classes there
 * (`instanceof DeadlockError` holds whichever entry the class came from).
 *
 * `VITEST_LOOP_CODE_CACHE=0` keeps the script but neither reads nor writes the
 * cache; `VITEST_LOOP_SCRIPT=0` takes the ES modules everywhere.
 * @internal
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { debuglog } from 'node:util'
import vm from 'node:vm'

/** The bundle's hash, written in by scripts/bundle.mjs: the cache file is the cache of this exact script. */
declare const __VITEST_LOOP_RUNTIME_HASH__: string

export type Entry = 'index' | 'core' | 'setup'
type Namespace = Record<string, unknown>
type Runtime = Record<Entry, Namespace>

/** How this context loaded the package, for tests and `NODE_DEBUG=vitest-loop`. */
export interface LoadInfo {
  route: 'script' | 'modules'
  /** The code cache: used, written after the file (`miss`, `rejected`: V8 refused it), or not in play. */
  cache: 'hit' | 'miss' | 'rejected' | 'off'
  /** The cache file, when there is a place for one. */
  cacheFile?: string
}

const runtimeKey = Symbol.for('vitest-loop:runtime')
const infoKey = Symbol.for('vitest-loop:load-info')
const here = path.dirname(fileURLToPath(import.meta.url))
const scriptFile = path.join(here, 'runtime.cjs')

/** Each entry's ES module, beside this file (named by a variable: no bundler may take it in). */
const moduleFiles: Record<Entry, string> = { index: './index.js', core: './core.js', setup: './setup-file.js' }
const importModule = (entry: Entry): Promise<Namespace> => import(/* @vite-ignore */ moduleFiles[entry])

interface Loaded {
  runtime: Runtime | undefined
  /** Writes the code cache once the worker's first test file ran; set while one is to be written. */
  save: (() => void) | undefined
}

/**
 * The entry's exports, from the one runtime of this context. The setup file
 * passes the `vitest` it imported (the first to load, it spares the script
 * resolving the package again from here: about 0.5 ms and 40 KB a worker).
 */
export async function load(entry: Entry, vitest?: Namespace): Promise<Namespace> {
  const scope = globalThis as Record<symbol, unknown>
  const loaded = ((scope[runtimeKey] as Promise<Loaded> | undefined) ??= start(vitest))
  const { runtime } = await loaded
  return runtime !== undefined ? runtime[entry] : importModule(entry)
}

/**
 * For the setup entry, after its hooks: has the code cache written when the
 * worker's first test file ends (its `afterAll`), if this worker made it.
 */
export async function saveCodeCacheAfterFile(afterAll: (fn: () => void) => void): Promise<void> {
  const loaded = await ((globalThis as Record<symbol, unknown>)[runtimeKey] as Promise<Loaded> | undefined)
  const save = loaded?.save
  if (save === undefined) return
  loaded!.save = undefined
  afterAll(save)
}

function start(vitest: Namespace | undefined): Promise<Loaded> {
  if (!scriptRoute()) {
    info({ route: 'modules', cache: 'off' })
    return Promise.resolve({ runtime: undefined, save: undefined })
  }
  return runScript(vitest)
}

/** A Vitest worker's main context (not a vm pool's test context), unless turned off. */
function scriptRoute(): boolean {
  if (process.env.VITEST_LOOP_SCRIPT === '0') return false
  if (typeof (globalThis as { __vitest_worker__?: unknown }).__vitest_worker__ !== 'object') return false
  return vm.runInThisContext('globalThis') === globalThis
}

async function runScript(given: Namespace | undefined): Promise<Loaded> {
  const vitest: unknown = given ?? (await import('vitest'))
  // Vitest 4.1's runner package, when it resolves from here as from the ES modules (runner-api.ts decides whether to use it).
  let runner: unknown
  try {
    const name = '@vitest/runner'
    runner = await import(/* @vite-ignore */ name)
  } catch {
    runner = undefined
  }
  const cacheFile = process.env.VITEST_LOOP_CODE_CACHE === '0' ? undefined : cachePath()
  let cachedData: Buffer | undefined
  if (cacheFile !== undefined) {
    try {
      cachedData = readFileSync(cacheFile)
    } catch {
      cachedData = undefined
    }
  }
  // The file is a function of the CommonJS names, as Node wraps a module
  // (scripts/bundle.mjs writes the wrapper in); strict, as the ES modules are.
  const script = new vm.Script(readFileSync(scriptFile, 'utf8'), { filename: scriptFile, cachedData })
  // Node's own modules (every other id the script requires) straight from
  // Node where it can (20.16 on), not through a require made for the purpose.
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule
  let nodeRequire: NodeJS.Require | undefined
  const require = (id: string): unknown => {
    if (id === 'vitest') return vitest
    if (id === '@vitest/runner') {
      if (runner !== undefined) return runner
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
    }
    return builtin?.(id) ?? (nodeRequire ??= createRequire(scriptFile))(id)
  }
  const module = { exports: {} as Runtime }
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void
  wrapper(module.exports, require, module, scriptFile, here, pathToFileURL(scriptFile).href)
  const cache: LoadInfo['cache'] = cacheFile === undefined ? 'off' : cachedData === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit'
  info({ route: 'script', cache, ...(cacheFile !== undefined ? { cacheFile } : {}) })
  const save = cacheFile !== undefined && cache !== 'hit' ? () => writeCache(cacheFile, script) : undefined
  return { runtime: module.exports, save }
}

/**
 * node_modules/.cache/vitest-loop/ of the node_modules folder the package is
 * installed in (undefined when it is not installed in one: a checkout of this
 * repository), the file named by the script's hash, the Node version and the
 * architecture: V8 takes a cache only from its own build.
 */
function cachePath(): string | undefined {
  const modulesDir = path.resolve(here, '..', '..', '..')
  if (path.basename(modulesDir) !== 'node_modules') return undefined
  return path.join(modulesDir, '.cache', 'vitest-loop', `runtime-${__VITEST_LOOP_RUNTIME_HASH__}-${process.version}-${process.arch}.v8`)
}

/**
 * Writes the cache as one whole file (written aside, then renamed: workers
 * that start meanwhile read the old one or none), and removes the caches of
 * other builds of the package. Nothing here may fail a test: a folder that
 * cannot be written just means no cache.
 */
function writeCache(file: string, script: vm.Script): void {
  const dir = path.dirname(file)
  // Unique to this writer: the threads pool's workers share a pid.
  const temporary = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(temporary, script.createCachedData())
    renameSync(temporary, file)
    const current = `runtime-${__VITEST_LOOP_RUNTIME_HASH__}-`
    for (const name of readdirSync(dir)) {
      if (name.startsWith('runtime-') && !name.startsWith(current) && !name.endsWith('.tmp')) rmSync(path.join(dir, name), { force: true })
    }
  } catch {
    try {
      rmSync(temporary, { force: true })
    } catch {}
  }
}

const log = debuglog('vitest-loop')

function info(value: LoadInfo): void {
  ;(globalThis as Record<symbol, unknown>)[infoKey] = value
  log('loaded as %s (code cache: %s%s)', value.route === 'script' ? 'one script' : 'ES modules', value.cache, value.cacheFile === undefined ? '' : `, ${value.cacheFile}`)
}
