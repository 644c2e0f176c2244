// A run as the run page sees it: the run detail snapshot, with the run's websocket events folded on top.
// Pure functions on immutable values; no React.
export type { Attempt, RunView, Segment, StepSnapshot, StepView } from './types';
export { LOG_LINES_KEPT, parseTime } from './types';
export { createRunView } from './snapshot';
export { applyEvent, applyEvents, hasGap } from './fold';
export type { StepDetails } from './display';
export { caughtUp, displayRunState, displayStepState, isRunTerminal, stepDetails } from './display';
export { hasOpenSegments, runSegments, stepSegments, timelineNow, timelineOrigin } from './segments';
