export {
  CancelledError,
  DeadlockError,
  InternalError,
  InvalidStateError,
  LeakError,
  LoopClosedError,
  LoopError,
  LoopLimitError,
  LoopRunningError,
  NoCurrentLoopError,
  SlowCallbackError,
  TimelineReport,
  TimeoutError,
} from './errors.ts'
export { EventLoop } from './event-loop.ts'
export { Handle, TimerHandle } from './handle.ts'
export { getEventLoop, getRunningLoop, newEventLoop, run, setEventLoop } from './registry.ts'
export { Task } from './task.ts'
export { getTraceCapture, setTraceCapture, Trace } from './trace.ts'

export type {
  EventLoopOptions,
  ExceptionContext,
  ExceptionHandler,
  SlowCallback,
  TimeFlow,
} from './event-loop.ts'
export type { ChromeTrace, ChromeTraceEvent } from './chrome-trace.ts'
export type { HandleKind, HandleState } from './handle.ts'
export type { TaskOptions, TaskSource, TaskState } from './task.ts'
export type { TimelineEvent, TimelineEventType } from './timeline.ts'
export type { StackFrame } from './trace.ts'
