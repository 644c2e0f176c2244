// The view a run page starts from: the run detail (GET /api/runs/{id}/) before any event is folded.
import type { Graph, Run } from '../types';
import { parseTime, type RunView, type StepSnapshot, type StepView } from './types';

export function emptyStep(id: string, name?: string, backend?: string): StepView {
  const step: StepView = { id, name: name || id, state: 'pending', attempts: [] };
  if (backend) step.backend = backend;
  return step;
}

/** Build the initial view from the run detail response. Nothing is folded yet (lastSeq 0). */
export function createRunView(run: Run, graph?: Graph): RunView {
  const g = graph ?? run.graph ?? { steps: [], edges: [] };
  const steps: Record<string, StepView> = {};
  const stepOrder: string[] = [];
  const snapSteps: Record<string, StepSnapshot> = {};

  for (const s of g.steps ?? []) {
    if (steps[s.id]) continue;
    steps[s.id] = emptyStep(s.id, s.name, s.backend);
    stepOrder.push(s.id);
  }
  for (const s of run.steps ?? []) {
    if (!steps[s.step]) {
      steps[s.step] = emptyStep(s.step, s.name);
      stepOrder.push(s.step);
    } else if (s.name && steps[s.step].name === s.step) {
      steps[s.step] = { ...steps[s.step], name: s.name };
    }
    snapSteps[s.step] = {
      state: s.state,
      attempts: s.attempts ?? 0,
      queuedAt: parseTime(s.queued_at),
      startedAt: parseTime(s.started_at),
      finishedAt: parseTime(s.finished_at),
      result: s.result,
      error: s.error,
    };
  }

  return {
    runId: run.id,
    state: 'queued',
    createdAt: parseTime(run.created_at),
    startedAt: null,
    finishedAt: null,
    lastSeq: 0,
    pending: [],
    steps,
    stepOrder,
    logs: {},
    firstEventAt: null,
    lastEventAt: null,
    snapshot: {
      seq: typeof run.last_seq === 'number' ? run.last_seq : 0,
      state: run.state,
      startedAt: parseTime(run.started_at),
      finishedAt: parseTime(run.finished_at),
      steps: snapSteps,
    },
  };
}
