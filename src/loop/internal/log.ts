/**
 * The one named logger, `vitest-loop`: silent unless `NODE_DEBUG=vitest-loop`.
 * @internal
 */
import { debuglog } from 'node:util'

export const log = debuglog('vitest-loop')
