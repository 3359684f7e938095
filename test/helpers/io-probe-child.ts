// Runs the default I/O probe in a process whose stdio is ignored, as a worker
// thread's: when the probe is made, no socket is active. Writes the resource
// types active then and what the probe answered, as JSON, to the file named
// by its argument.
import { writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { defaultIoProbe } from '../../src/loop/internal/io-probe.ts'

const server = http.createServer((_request, response) => response.end('hello'))
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const types = process.getActiveResourcesInfo()
const probe = defaultIoProbe()
const seen = [probe()]
const agent = new http.Agent({ keepAlive: true })
await new Promise<void>((resolve, reject) => {
  const request = http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { agent }, (response) => {
    response.resume()
    response.on('end', resolve)
  })
  request.on('error', reject)
  seen.push(probe())
})
await new Promise((resolve) => setImmediate(resolve))
seen.push(probe())
agent.destroy()
server.closeAllConnections()
server.close()
writeFileSync(process.argv[2]!, JSON.stringify({ types, seen }))
