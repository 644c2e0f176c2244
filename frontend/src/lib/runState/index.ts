// A run as the run page sees it: the run detail snapshot, with the run's websocket events after its
// last_seq folded on top. Pure functions on immutable values; no React.
export type { Attempt, ItemView, LogChunk, RunView, Segment, StepView } from './types';
export { LOG_LINES_KEPT, parseTime } from './types';
export { createRunView } from './snapshot';
export { applyEvent, applyEvents, eventGap } from './fold';
export type { StepDetails } from './display';
export { displayStepState, isRunTerminal, stepDetails } from './display';
export type { StoredLog } from './logs';
export { stepLogLines, storedLogLines } from './logs';
export { hasOpenSegments, itemSegments, runSegments, stepSegments, timelineNow, timelineOrigin } from './segments';
