// Jest's globals on Vitest: the generated config turns on `globals` (describe,
// it, expect, beforeEach, ...); this setup file adds `jest` as Vitest's `vi`.
import { vi } from 'vitest'

globalThis.jest = vi
