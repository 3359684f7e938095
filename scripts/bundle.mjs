// The package's JavaScript: src/ bundled by esbuild into dist/lib/ (shared
// code in chunks), and in dist/ one small file per entry point that imports it.
// `tsc -p tsconfig.build.json` writes the declarations beside them.
//
// Why a bundle: every test file in Vitest's forks pool loads vitest-loop in a
// fresh process. As some sixty modules (tsc's output, comments kept) that cost
// resolving, reading and compiling each one, and the collector's time for what
// that leaves behind: bench G measured about 12 ms of CPU per test file more
// than this bundle (whitespace and syntax minified; names checked below).
//
// Why the small files in dist/: Vitest runs a setup file through its own
// module runner (transformed, then compiled in each worker); kept small, only
// it is, and the bundle loads as a plain Node import. dist/setup.js calls
// setUpFile() itself because Vitest evaluates a setup file again for each
// test file that shares a worker (isolate: false), its imports once.
// The worker's three (setup, `vitest-loop`, `vitest-loop/core`) take their
// exports from dist/lib/load.js, which in a forks or threads worker runs the
// same code as one script with V8's code cache (dist/lib/runtime.cjs; see
// src/load.ts) and elsewhere imports the ES modules of dist/lib/.
// The bundle lives one folder below dist/, as the modules did in dist/loop/
// and dist/vitest/: src/vitest/plugin.ts and src/loop/trace.ts find dist/ as
// `..` of their own file, in either layout.
import { build } from 'esbuild'
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  minifyWhitespace: true,
  minifySyntax: true,
  // Not keepNames: it re-sets the name of every function as the bundle loads
  // (about 1.7 ms per worker). Names a user reads are checked below.
  sourcemap: true,
  sourcesContent: false, // src/ ships in the package: the map points at it
  legalComments: 'none',
  logLevel: 'warning',
  outdir: 'dist/lib',
  splitting: true,
}

// What a test worker loads (the setup file, `vitest-loop`, `vitest-loop/core`)
// is built apart from what the main process loads, in as few files as the
// entry points allow: esbuild puts a module two entry points share in a chunk
// both import, so they share one copy of its state (the registry, the
// installed time), and a chunk per set of entry points that share modules.
// The setup file loads three files. Built with the plugin's entry points,
// whose modules overlap the runtime's in other ways, it loaded fifteen, and
// importing the same code took nearly twice the CPU (about 35 against 20 ms
// per worker; bench G), most of it Node's loader, file by file. So nothing in
// it is imported dynamically (checked below): a dynamic import makes a chunk
// of every set of modules it shares with the rest.
const entryPoints = [
  { index: 'src/index.ts', core: 'src/core.ts', 'setup-file': 'src/vitest/setup.ts' },
  // What the main process loads (the plugin, the global setup): apart, so that
  // nothing of theirs is chunked out of the runtime.
  { plugin: 'src/plugin.ts', 'global-setup': 'src/global-setup.ts' },
]
const outputs = {}
for (const entries of entryPoints) {
  const result = await build({ ...common, entryPoints: entries, metafile: true })
  Object.assign(outputs, result.metafile.outputs)
}

// The same worker side as one CommonJS script (src/runtime.ts: the three
// entries, each a namespace), which src/load.ts runs in a Vitest worker with
// V8's code cache: see there. The file is the function expression load.ts
// calls, CommonJS's names and `import.meta.url` its parameters: V8 compiles
// the text as read, where wrapping it in load.ts made a second copy of it, in
// the young generation, in every worker (150 KB, about a tenth of what the
// package allocates there). runner-api.ts's import() of @vitest/runner
// becomes a require, which the loader answers.
await build({
  ...common,
  splitting: false,
  outdir: undefined,
  format: 'cjs',
  entryPoints: ['src/runtime.ts'],
  outfile: 'dist/lib/runtime.cjs',
  define: { 'import.meta.url': '__vitestLoopUrl' },
  supported: { 'dynamic-import': false },
  banner: { js: "(function (exports, require, module, __filename, __dirname, __vitestLoopUrl) {'use strict';" },
  footer: { js: '})' },
})
const runtimeHash = createHash('sha256')
  .update(readFileSync(new URL('../dist/lib/runtime.cjs', import.meta.url)))
  .digest('hex')
  .slice(0, 16)
await build({
  ...common,
  splitting: false,
  entryPoints: { load: 'src/load.ts' },
  define: { __VITEST_LOOP_RUNTIME_HASH__: JSON.stringify(runtimeHash) },
})

/** The names an entry of the worker side exports (from esbuild's account of its output). */
function exportsOf(entry) {
  const output = Object.entries(outputs).find(([file]) => file === `dist/lib/${entry}.js`)
  if (output === undefined) throw new Error(`scripts/bundle.mjs: no output dist/lib/${entry}.js`)
  return output[1].exports
}
/** A facade of the worker side: its exports, from the one runtime load.js gives the context. */
const facade = (entry, names) =>
  `import { load } from './lib/load.js'\n\nexport const { ${names.join(', ')} } = await load('${entry}')\n`

const facades = {
  'index.js': facade('index', exportsOf('index')),
  'core.js': facade('core', exportsOf('core')),
  'plugin.js': "export * from './lib/plugin.js'\n",
  'global-setup.js': "export { default } from './lib/global-setup.js'\n",
  'setup.js': [
    "import * as vitest from 'vitest'",
    "import { load, saveCodeCacheAfterFile } from './lib/load.js'",
    '',
    "const { setUpFile } = await load('setup', vitest)",
    'await setUpFile()',
    'await saveCodeCacheAfterFile(vitest.afterAll)',
    '',
  ].join('\n'),
}
for (const [file, text] of Object.entries(facades)) writeFileSync(new URL(`../dist/${file}`, import.meta.url), text)

const wrong = []

// No file of the bundle imports another dynamically (see the top).
for (const file of readdirSync(new URL('../dist/lib/', import.meta.url))) {
  if (!file.endsWith('.js')) continue
  const code = readFileSync(new URL(`../dist/lib/${file}`, import.meta.url), 'utf8')
  for (const [call] of code.matchAll(/\bimport\(["']\.[^"']*["']\)/g)) wrong.push(`dist/lib/${file} imports a chunk dynamically: ${call}`)
}

// The names a user reads survive bundling (esbuild renames a declaration that
// collides with another in the bundle's scope): every exported class and
// function, and the Timeout, Immediate and Date that virtual time installs.
const core = await import(new URL('../dist/core.js', import.meta.url).href)
for (const [key, value] of Object.entries(core)) {
  if (typeof value === 'function' && value.name !== key) wrong.push(`export ${key} is named ${value.name}`)
}
const loop = core.newEventLoop()
const time = core.installVirtualTime(loop)
try {
  const seen = { Timeout: setTimeout(() => {}, 1), Interval: setInterval(() => {}, 1), Immediate: setImmediate(() => {}) }
  for (const [what, value] of Object.entries(seen)) {
    const expected = what === 'Interval' ? 'Timeout' : what
    if (value.constructor.name !== expected) wrong.push(`a virtual ${what}'s class is named ${value.constructor.name}`)
  }
  if (Date.name !== 'Date') wrong.push(`the virtual Date is named ${Date.name}`)
} finally {
  time.uninstall()
  loop.close()
}
if (wrong.length > 0) {
  console.error(`scripts/bundle.mjs: the bundle is not as it should be:\n  ${wrong.join('\n  ')}`)
  process.exit(1)
}
