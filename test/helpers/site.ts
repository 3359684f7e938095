// Where a line of a test file is, found by a marker comment rather than by a
// line number that would shift with every edit, and independent of stack traces.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * `path:line` of the one line of the file at `url` that carries the comment
 * `// site: <marker>` (pass `import.meta.url`).
 */
export function siteOf(url: string, marker: string): string {
  const file = fileURLToPath(url)
  const tag = `// site: ${marker}`
  const lines = readFileSync(file, 'utf8').split('\n')
  const hits: number[] = []
  lines.forEach((line, i) => {
    if (line.trimEnd().endsWith(tag)) hits.push(i + 1)
  })
  if (hits.length !== 1) throw new Error(`expected one line marked '${tag}' in ${file}, found ${hits.length}`)
  return `${file}:${hits[0]}`
}

/**
 * `siteOf` as vitest-loop's messages print it: the file relative to the
 * working directory, as Vitest prints paths (see `formatSite`).
 */
export function printedSiteOf(url: string, marker: string): string {
  return path.relative(process.cwd(), siteOf(url, marker))
}
