// The view a run page starts from: the run detail (GET /api/runs/{id}/), current to its `last_seq`.
// Events after that seq are folded on top (fold.ts); the history before it is never replayed.
import type { components } from '../generated/api';
import type { Graph, Run, RunStepSnapshot } from '../types';
import { parseTime, type Attempt, type ItemView, type RunView, type StepView } from './types';

export function emptyStep(id: string, name?: string, backend?: string): StepView {
  const step: StepView = { id, name: name || id, state: 'pending', attempts: [] };
  if (backend) step.backend = backend;
  return step;
}

/**
 * A step row's latest attempt, as the row holds it. `attempts` counts the
 * attempts that started, so a queued step waits for attempt attempts+1. Only
 * the latest attempt has times in the row; earlier ones are in its log.
 */
function snapshotAttempt(row: RunStepSnapshot): Attempt | null {
  const started = row.attempts ?? 0;
  if (row.state === 'queued') {
    return {
      attempt: started + 1,
      state: 'queued',
      queuedAt: parseTime(row.queued_at),
      startedAt: null,
      finishedAt: null,
    };
  }
  if (started < 1) return null;
  const attempt: Attempt = {
    attempt: started,
    state: row.state,
    queuedAt: parseTime(row.queued_at),
    startedAt: parseTime(row.started_at),
    finishedAt: row.state === 'running' ? null : parseTime(row.finished_at),
  };
  if (row.state === 'succeeded') attempt.result = row.result;
  if (row.error !== null && row.error !== undefined && row.error !== '') attempt.error = row.error;
  return attempt;
}

function snapshotStep(step: StepView, row: RunStepSnapshot): StepView {
  const next: StepView = { ...step, state: row.state };
  if (row.name && step.name === step.id) next.name = row.name;
  const attempt = snapshotAttempt(row);
  next.attempts = attempt ? [attempt] : [];
  if (row.state === 'succeeded') next.result = row.result;
  if (row.error !== null && row.error !== undefined && row.error !== '') next.error = row.error;
  return next;
}

type ItemRow = components['schemas']['StepItem'];

function snapshotItems(rows: Record<string, ItemRow[]> | undefined): Record<string, ItemView[]> {
  const out: Record<string, ItemView[]> = {};
  for (const [step, items] of Object.entries(rows ?? {})) {
    out[step] = [...items]
      .sort((a, b) => a.index - b.index)
      .map((row) => {
        const item: ItemView = {
          index: row.index,
          state: row.state,
          attempt: row.attempts,
          startedAt: parseTime(row.started_at),
          finishedAt: row.state === 'running' ? null : parseTime(row.finished_at),
        };
        if (row.error) item.error = row.error;
        return item;
      });
  }
  return out;
}

/** The view of the run detail response: its states and times, current to `run.last_seq`. */
export function createRunView(run: Run, graph?: Graph): RunView {
  const g = graph ?? run.graph ?? { steps: [], edges: [] };
  const steps: Record<string, StepView> = {};
  const stepOrder: string[] = [];

  for (const s of g.steps ?? []) {
    if (steps[s.id]) continue;
    steps[s.id] = emptyStep(s.id, s.name, s.backend);
    stepOrder.push(s.id);
  }
  for (const row of run.steps ?? []) {
    if (!steps[row.step]) {
      steps[row.step] = emptyStep(row.step, row.name, row.backend);
      stepOrder.push(row.step);
    }
    steps[row.step] = snapshotStep(steps[row.step], row);
  }

  return {
    runId: run.id,
    state: run.state,
    createdAt: parseTime(run.created_at),
    startedAt: parseTime(run.started_at),
    finishedAt: parseTime(run.finished_at),
    lastSeq: typeof run.last_seq === 'number' ? run.last_seq : 0,
    steps,
    stepOrder,
    items: snapshotItems((run as Run & { items?: Record<string, ItemRow[]> }).items),
    logs: {},
    firstEventAt: null,
    lastEventAt: null,
  };
}
