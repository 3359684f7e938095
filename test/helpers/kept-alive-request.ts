// One GET over a keep-alive agent, with an I/O probe read while the request is
// in flight and once after its end (one turn later, when the server's side of
// the connection stays open, idle): what the probe answered, in that order.
import http from 'node:http'

export async function probeKeptAliveRequest(url: string, probe: () => boolean): Promise<boolean[]> {
  const agent = new http.Agent({ keepAlive: true })
  const seen: boolean[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const request = http.get(url, { agent }, (response) => {
        response.resume()
        response.on('end', resolve)
      })
      request.on('error', reject)
      seen.push(probe())
    })
    await new Promise((resolve) => setImmediate(resolve))
    seen.push(probe())
  } finally {
    agent.destroy()
  }
  return seen
}

/** Resource types that are neither I/O nor a socket: all a worker thread at rest has active. */
export const restingTypes: readonly string[] = ['Timeout', 'Immediate', 'TCPServerWrap', 'MessagePort']
