/**
 * Matches a test file against a config glob (`exclude`): `**` any folders,
 * `*` and `?` within one path segment, `{a,b}` alternatives. Globs are
 * relative to the project root; an absolute glob is matched as is.
 * (Node's path.matchesGlob prints an ExperimentalWarning on Node 20.)
 * @internal
 */
import { relative, sep } from 'node:path'

const cache = new Map<string, RegExp>()

function toRegExp(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++
        if (glob[i + 1] === '/') {
          i++
          re += '(?:.*/)?'
        } else re += '.*'
      } else re += '[^/]*'
    } else if (c === '?') re += '[^/]'
    else if (c === '{') re += '(?:'
    else if (c === '}') re += ')'
    else if (c === ',') re += '|'
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

export function matchesGlob(file: string, glob: string, root = process.cwd()): boolean {
  let re = cache.get(glob)
  if (re === undefined) cache.set(glob, (re = toRegExp(glob)))
  const fromRoot = relative(root, file).split(sep).join('/')
  return re.test(fromRoot) || re.test(file)
}
