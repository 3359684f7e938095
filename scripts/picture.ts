/**
 * `npm run picture` (not part of CI: it needs Debian's `chromium`): runs the
 * example in examples/picture with the HTML reporter, takes the SVG timeline
 * its failing test attached, saves it as docs/timeline.svg and renders it to
 * docs/timeline.png in headless Chromium, for the README.
 *
 * The run starts at a fixed instant (LOOP_NOW) so the picture only changes
 * when the drawing does.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'

const root = fileURLToPath(new URL('..', import.meta.url))
const docs = path.join(root, 'docs')
const work = mkdtempSync(path.join(tmpdir(), 'vitest-loop-picture-'))

try {
  const run = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--root',
      path.join(root, 'examples/picture'),
      '--reporter=html',
      `--outputFile.html=${work}/report/index.html`,
      `--attachmentsDir=${work}/attachments`,
    ],
    { cwd: path.join(root, 'examples/picture'), env: { ...process.env, LOOP_NOW: '2026-01-05T09:00:00Z', CI: '1' }, encoding: 'utf8' },
  )
  // The report's data is flatted JSON (an array of values, each string once), gzipped; the SVG is a base64 body.
  const values = JSON.parse(gunzipSync(readFileSync(`${work}/report/html.meta.json.gz`)).toString('utf8')) as unknown[]
  const svg = values
    .filter((value): value is string => typeof value === 'string' && /^[A-Za-z0-9+/=]{200,}$/.test(value))
    .map((value) => Buffer.from(value, 'base64').toString('utf8'))
    .find((text) => text.startsWith('<svg'))
  if (svg === undefined) throw new Error(`the example attached no SVG; its run printed:\n${run.stdout}${run.stderr}`)
  const svgFile = path.join(docs, 'timeline.svg')
  writeFileSync(svgFile, `${svg}\n`)

  const [, width, height] = /width="(\d+)" height="(\d+)"/.exec(svg) ?? []
  const png = path.join(docs, 'timeline.png')
  const chromium = spawnSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      '--force-device-scale-factor=2', // crisp text on high-density screens
      `--user-data-dir=${path.join(work, 'chromium-profile')}`,
      `--window-size=${width},${height}`,
      `--screenshot=${png}`,
      `file://${svgFile}`,
    ],
    { encoding: 'utf8' },
  )
  if (chromium.error !== undefined || chromium.status !== 0) {
    throw new Error(`chromium failed (install it with: apt-get install -y chromium): ${chromium.error ?? chromium.stderr}`)
  }
  console.log(`wrote ${path.relative(process.cwd(), svgFile)} and ${path.relative(process.cwd(), png)} (${width}x${height} at 2x)`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
