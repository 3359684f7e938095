// npm run test:differential [-- <programs> <seed>]: the differential test at
// scale (10,000 programs by default, a random seed unless given), printing
// the seed and every mismatch. Exits 1 on any mismatch.
import fc from 'fast-check'
import { compare } from './harness.ts'
import { isUnambiguous, programs, show } from './program.ts'
import type { Action } from './program.ts'

const runs = Number(process.argv[2] ?? 10_000)
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31))
const started = performance.now()
const sample = fc.sample(programs.filter(isUnambiguous), { numRuns: runs, seed })
const polling = sample.filter(function polls(p: { main: Action[] } | Action): boolean {
  const actions = 'main' in p ? p.main : 'body' in p ? p.body : []
  return actions.some((a) => a.kind === 'poll' || polls(a))
}).length
const report = await compare(sample, { quantum: 10, batchSize: 200 })
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(
  `differential: ${report.compared} programs (${polling} with polling loops), seed ${seed}, ${report.mismatches.length} mismatches, ` +
    `${report.offTime.length} off their nominal time; ${report.rerun} real runs repeated for lateness ` +
    `(${report.widened} with a wider quantum), ${report.unmeasured.length} never timely (not compared); ${seconds} s`,
)
for (const m of report.mismatches) {
  console.log(`\nprogram ${m.index} (G = ${m.quantum} ms, loop driven by ${m.driver}):\n${show(m.program.main)}\nnode: ${m.node.join(' ')}\nloop: ${m.loop.join(' ')}`)
}
for (const o of report.offTime) {
  console.log(`\nprogram ${o.index} ran events off their nominal time:\n${show(o.program.main)}\n${JSON.stringify(o.events)}`)
}
if (report.unmeasured.length > 0) {
  console.log(`\nnever timely on real timers (a loaded host, or Node timing that differs from the model): programs ${report.unmeasured.join(', ')}`)
}
process.exitCode = report.mismatches.length + report.offTime.length + report.unmeasured.length === 0 ? 0 : 1
