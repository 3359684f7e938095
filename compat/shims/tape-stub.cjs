// What `require('tape')` returns under the compat tape shim (tape.mjs).
module.exports = (...args) => globalThis[Symbol.for('vitest-loop.compat.tape')](...args)
