/**
 * `Symbol.dispose` and `Symbol.asyncDispose` in a realm that lacks them.
 *
 * Node 20 defines both on its main realm's `Symbol`, but a vm context (each
 * worker of Vitest's vmThreads pool runs its test files in one) has V8's own
 * `Symbol`, without them: a class method written `[Symbol.dispose]()` would be
 * named "undefined", and `using loop = newEventLoop()` would throw "Object is
 * not disposable". The value given is the one the `using` helpers of
 * TypeScript's successors fall back to (esbuild's and oxc's:
 * `Symbol.for('Symbol.dispose')`), so transpiled `using` finds our methods.
 *
 * Imported for its effect, first, by every module that defines a dispose method.
 * @internal
 */
for (const name of ['dispose', 'asyncDispose'] as const) {
  if (typeof Symbol[name] !== 'symbol') {
    Object.defineProperty(Symbol, name, { value: Symbol.for(`Symbol.${name}`) })
  }
}

export {}
