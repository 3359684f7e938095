// The import graph of src/loop (ARCHITECTURE.md): one direction, no circle,
// `import type` included; nothing outside src/loop but Node's builtins; and the
// rooms keep their order (the scheduler knows no driver, the drivers know no
// public class).
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../src/loop/', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : [],
  )
}

/** Every specifier a file imports or re-exports from, type-only ones too. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const found: string[] = []
  const clause = String.raw`(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*\{[^}]*\})?)`
  const statement = new RegExp(String.raw`^\s*(?:(?:import|export)\s+${clause}\s+from|import)\s*['"]([^'"]+)['"]`, 'gm')
  for (const match of text.matchAll(statement)) found.push(match[1]!)
  return found
}

const files = sources(root)
const name = (file: string): string => path.relative(root, file).split(path.sep).join('/')
const graph = new Map<string, string[]>()
const outside: string[] = []
for (const file of files) {
  const edges: string[] = []
  for (const spec of specifiers(file)) {
    if (spec.startsWith('node:')) continue
    const target = path.resolve(path.dirname(file), spec)
    if (!spec.startsWith('.') || !target.startsWith(root)) outside.push(`${name(file)} -> ${spec}`)
    else edges.push(name(target))
  }
  graph.set(name(file), edges)
}

/** The first import circle found, as a path of files; undefined if there is none. */
function findCircle(): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node]
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      const circle = visit(next)
      if (circle) return circle
    }
    stack.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of graph.keys()) {
    const circle = visit(node)
    if (circle) return circle
  }
  return undefined
}

/** Everything `file` reaches through its imports. */
function reach(file: string, seen = new Set<string>()): Set<string> {
  for (const next of graph.get(file) ?? []) {
    if (seen.has(next)) continue
    seen.add(next)
    reach(next, seen)
  }
  return seen
}

describe('src/loop imports', () => {
  it('reads the graph (the parser sees the imports it should)', () => {
    expect(graph.get('event-loop.ts')).toContain('scheduler.ts')
    expect(graph.get('internal/task-steps.ts')).toContain('task.ts') // an `import type`
    expect(graph.get('index.ts')).toContain('event-loop.ts') // an `export ... from`
    // Every `from '...'` and side-effect import is seen, multi-line ones included.
    for (const file of files) {
      const naive = readFileSync(file, 'utf8').match(/\bfrom '[^']+'|^import '[^']+'/gm) ?? []
      expect(specifiers(file), name(file)).toHaveLength(naive.length)
    }
  })

  it('has no import circle, type-only imports included', () => {
    expect(findCircle()).toBeUndefined()
  })

  it('imports nothing outside src/loop but Node builtins (no Vitest, no globals it fakes)', () => {
    expect(outside).toEqual([])
  })

  it.each([
    [
      'scheduler.ts',
      ['io-hold.ts', 'stall-errors.ts', 'driver-run.ts', 'drivers.ts', 'futures.ts', 'loop-core.ts', 'event-loop.ts', 'registry.ts', 'internal/context.ts'],
    ],
    ['io-hold.ts', ['drivers.ts', 'futures.ts', 'loop-core.ts', 'event-loop.ts', 'registry.ts', 'internal/context.ts']],
    ['stall-errors.ts', ['scheduler.ts', 'drivers.ts', 'futures.ts', 'loop-core.ts', 'event-loop.ts', 'registry.ts', 'internal/context.ts']],
    ['driver-run.ts', ['drivers.ts', 'futures.ts', 'loop-core.ts', 'event-loop.ts', 'registry.ts', 'internal/context.ts']],
    ['drivers.ts', ['futures.ts', 'loop-core.ts', 'event-loop.ts', 'registry.ts', 'internal/context.ts']],
    ['loop-core.ts', ['event-loop.ts', 'registry.ts', 'internal/context.ts']],
  ])('%s never reaches the rooms above it', (file, above) => {
    const reached = reach(file)
    expect(above.filter((room) => reached.has(room))).toEqual([])
  })
})
