// Runs the default I/O probe in a process whose stdio is ignored, as a worker
// thread's: when the probe is made, no socket is active. Writes the resource
// types active then and what the probe answered, as JSON, to the file named
// by its argument.
import { writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { defaultIoProbe } from '../../src/loop/internal/io-probe.ts'
import { probeKeptAliveRequest, restingTypes } from './kept-alive-request.ts'

const server = http.createServer((_request, response) => response.end('hello'))
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
// What the loader still has in flight as the module starts (tsx's file reads and its
// connection, on Node 24) ends within a few turns: wait for it, turn by turn (no
// real time), so that only the server is active, as in a worker thread at rest.
const atRest = (): boolean => process.getActiveResourcesInfo().every((type) => restingTypes.includes(type))
for (let turn = 0; turn < 10_000 && !atRest(); turn++) await new Promise((resolve) => setImmediate(resolve))
const types = process.getActiveResourcesInfo()
const probe = defaultIoProbe()
const seen = [probe(), ...(await probeKeptAliveRequest(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, probe))]
server.closeAllConnections()
server.close()
writeFileSync(process.argv[2]!, JSON.stringify({ types, seen }))
