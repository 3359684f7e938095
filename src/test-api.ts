// vitest-loop's exports but `test` (src/index.ts adds it). Apart so that the
// one-script runtime (src/runtime.ts) can make `test` when it is first read.
import './vitest/augment.ts'

export {
  CancelledError,
  DeadlockError,
  EventLoop,
  getEventLoop,
  getRunningLoop,
  getTraceCapture,
  Handle,
  InternalError,
  InvalidStateError,
  LeakError,
  LoopClosedError,
  LoopError,
  LoopLimitError,
  LoopRunningError,
  newEventLoop,
  NoCurrentLoopError,
  run,
  setEventLoop,
  setTraceCapture,
  SlowCallbackError,
  Task,
  TimelineReport,
  TimeoutError,
  TimerHandle,
  Trace,
} from './loop/index.ts'
export { installTime, installVirtualTime } from './time/index.ts'
export { useLoop, useRealTime } from './vitest/use-loop.ts'

export type {
  ChromeTrace,
  ChromeTraceEvent,
  EventLoopOptions,
  ExceptionContext,
  ExceptionHandler,
  HandleKind,
  HandleState,
  SlowCallback,
  StackFrame,
  TaskOptions,
  TaskSource,
  TaskState,
  TimeFlow,
  TimelineEvent,
  TimelineEventType,
} from './loop/index.ts'
export type { Immediate, InstallOptions, LoopResolver, TimeInstallation, Timeout } from './time/index.ts'
export type { Finding, FindingKind } from './check/index.ts'
export type { Fakeable, LeakAllow, LoopOptions, OnLeak, OnSlow } from './vitest/options.ts'
