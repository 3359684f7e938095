/**
 * Runs a nested Vitest on a fixture project, as a user would from a terminal,
 * and returns what it printed (colour off) and its exit code.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const vitestBin = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url))
export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url))

export interface NestedRun {
  output: string
  code: number | null
}

export function runVitest(fixture: string, args: string[] = [], env: Record<string, string> = {}): Promise<NestedRun> {
  const root = `${fixturesDir}${fixture}`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestBin, 'run', '--root', root, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', VITEST: undefined, VITEST_MODE: undefined, ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ output, code }))
  })
}

/** Splits Vitest's failure output into one block per failed test, keyed by `file > test name`. */
export function failureBlocks(output: string): Map<string, string> {
  const blocks = new Map<string, string>()
  const parts = output.split(/^ FAIL  /m).slice(1)
  for (const part of parts) {
    const nl = part.indexOf('\n')
    const header = part.slice(0, nl).trim()
    const body = part.slice(nl + 1).split(/^⎯{10,}/m)[0] ?? ''
    blocks.set(header, (blocks.get(header) ?? '') + body)
  }
  return blocks
}
