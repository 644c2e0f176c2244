import type { FeedRun } from '../lib/dashboardStore';
import type { Campaign, Graph, Run, RunEvent } from '../lib/types';

export const T0 = Date.parse('2024-05-01T12:00:00.000Z');
export const iso = (offsetSeconds: number) => new Date(T0 + offsetSeconds * 1000).toISOString();

export const graph: Graph = {
  steps: [
    { id: 's1', name: 'Prepare', kind: 'function', function: 'sleep', backend: 'local', retries: 0, timeout_s: 60 },
    { id: 's2', name: 'Simulate', kind: 'function', function: 'flaky', backend: 'local', retries: 2, timeout_s: 60 },
    {
      id: 's3',
      name: 'Measure',
      kind: 'executable',
      argv: ['echo', 'hi'],
      backend: 'local',
      retries: 0,
      timeout_s: 60,
    },
    { id: 's4', name: 'Report', kind: 'function', function: 'report', backend: 'local', retries: 0, timeout_s: 60 },
  ],
  edges: [
    { source: 's1', target: 's2' },
    { source: 's1', target: 's3' },
    { source: 's2', target: 's4' },
    { source: 's3', target: 's4' },
  ],
};

export const campaign: Campaign = {
  id: 3,
  name: 'Demo campaign',
  description: 'Four steps, one flaky',
  version: 2,
  owner: 'alice',
  created_at: iso(-3600),
  updated_at: iso(-60),
  team: null,
  team_name: null,
  visibility: 'private',
  tags: [],
  forked_from: null,
  permissions: { launch: true, edit: true, manage: true, fork: true, run_executables: true },
  executables: { allowed: true, reason: null },
  denials: { launch: null, edit: null, fork: null },
  last_used_at: null,
  layout: { positions: {}, notes: [] },
  layout_revision: 0,
  parameters: [
    { name: 'label', type: 'string', default: 'hello', description: 'A label' },
    { name: 'count', type: 'integer', default: 3 },
    { name: 'scale', type: 'number', default: 0.5 },
    { name: 'verbose', type: 'boolean', default: true },
  ],
  graph,
};

let seq = 0;
function ev(
  offset: number,
  type: 'run.state' | 'step.state' | 'step.backend',
  state: string,
  step: string | null = null,
  data: Record<string, unknown> = {},
): RunEvent {
  seq += 1;
  // Built from loose arguments on purpose: the tests also feed events the server never sends.
  return { seq, run: 7, step, type, state, at: iso(offset), data } as RunEvent;
}

/** A realistic run: s2 fails once and succeeds on its second attempt. */
export function runEvents(): RunEvent[] {
  seq = 0;
  return [
    ev(0, 'run.state', 'queued'),
    ev(0.1, 'run.state', 'running'),
    ev(0.1, 'step.state', 'queued', 's1', { attempt: 1 }),
    ev(0.6, 'step.state', 'running', 's1', { attempt: 1 }),
    ev(2.6, 'step.state', 'succeeded', 's1', { attempt: 1, result: { rows: 10 } }),
    ev(2.7, 'step.state', 'queued', 's2', { attempt: 1 }),
    ev(2.7, 'step.state', 'queued', 's3', { attempt: 1 }),
    ev(3.0, 'step.state', 'running', 's2', { attempt: 1 }),
    ev(3.5, 'step.state', 'running', 's3', { attempt: 1 }),
    ev(4.0, 'step.state', 'failed', 's2', { attempt: 1, error: 'boom' }),
    ev(4.1, 'step.state', 'queued', 's2', { attempt: 2 }),
    ev(5.0, 'step.state', 'running', 's2', { attempt: 2 }),
    ev(6.0, 'step.state', 'succeeded', 's3', { attempt: 1, result: 42 }),
    ev(7.0, 'step.state', 'succeeded', 's2', { attempt: 2, result: 'ok' }),
    ev(7.1, 'step.state', 'queued', 's4', { attempt: 1 }),
    ev(7.2, 'step.state', 'running', 's4', { attempt: 1 }),
    ev(9.2, 'step.state', 'succeeded', 's4', { attempt: 1, result: null }),
    ev(9.3, 'run.state', 'succeeded'),
  ];
}

/** Graph of an HPC run: s1 on RADICAL-Pilot, s2 on Dask, s3 on the thread backend. */
export const hpcGraph: Graph = {
  steps: [
    { id: 's1', name: 'Simulate', kind: 'executable', argv: ['sim'], backend: 'radical', retries: 0, timeout_s: 600 },
    { id: 's2', name: 'Analyse', kind: 'function', function: 'sleep', backend: 'dask', retries: 0, timeout_s: 600 },
    { id: 's3', name: 'Report', kind: 'function', function: 'report', backend: 'thread', retries: 0, timeout_s: 60 },
  ],
  edges: [
    { source: 's1', target: 's2' },
    { source: 's2', target: 's3' },
  ],
};

/**
 * A run on HPC backends, with the backend states as step.backend events: s1
 * waits 4 s in the pilot (running at 1, AGENT_EXECUTING at 5, done at 8); s2
 * waits 1.5 s for a Dask worker (running at 8.5, EXECUTING at 10, done at 12).
 */
export function hpcRunEvents(): RunEvent[] {
  seq = 0;
  // As services/backend_states.py sends them: the phase comes from the server's table of backend states.
  const phases: Record<string, string> = {
    AGENT_EXECUTING: 'executing',
    EXECUTING: 'executing',
    AGENT_STAGING_OUTPUT: 'done',
    DONE: 'done',
  };
  const b = (offset: number, step: string, backendState: string) =>
    ev(offset, 'step.backend', 'running', step, {
      backend_state: backendState,
      attempt: 1,
      backend: step === 's1' ? 'radical' : 'dask',
      phase: phases[backendState] ?? 'waiting',
    });
  return [
    ev(0, 'run.state', 'queued'),
    ev(0, 'step.state', 'queued', 's1', { attempt: 1 }),
    ev(0.2, 'run.state', 'running'),
    ev(1, 'step.state', 'running', 's1', { attempt: 1 }),
    b(1.1, 's1', 'TMGR_SCHEDULING'),
    b(1.5, 's1', 'AGENT_STAGING_INPUT'),
    b(2, 's1', 'AGENT_SCHEDULING'),
    b(5, 's1', 'AGENT_EXECUTING'),
    b(7.5, 's1', 'AGENT_STAGING_OUTPUT'),
    b(7.8, 's1', 'DONE'),
    ev(8, 'step.state', 'succeeded', 's1', { attempt: 1, result: 0 }),
    ev(8.1, 'step.state', 'queued', 's2', { attempt: 1 }),
    ev(8.5, 'step.state', 'running', 's2', { attempt: 1 }),
    b(8.5, 's2', 'SUBMITTED'),
    b(10, 's2', 'EXECUTING'),
    b(11.9, 's2', 'DONE'),
    ev(12, 'step.state', 'succeeded', 's2', { attempt: 1, result: 'ok' }),
    ev(12.1, 'step.state', 'queued', 's3', { attempt: 1 }),
    ev(12.2, 'step.state', 'running', 's3', { attempt: 1 }),
    ev(13, 'step.state', 'succeeded', 's3', { attempt: 1, result: null }),
    ev(13.1, 'run.state', 'succeeded'),
  ];
}

export function makeRun(overrides: Partial<Run> = {}): Run {
  return {
    id: 7,
    kind: 'campaign',
    campaign: 3,
    campaign_name: 'Demo campaign',
    version: 2,
    owner: 'alice',
    batch: null,
    max_parallel: null,
    permissions: { operate: true },
    parent: null,
    state: 'running',
    parameters: { label: 'hello', count: 3 },
    created_at: iso(0),
    started_at: iso(0.1),
    finished_at: null,
    last_seq: 0,
    graph,
    steps: graph.steps.map((s) => ({
      step: s.id,
      name: s.name,
      backend: s.backend ?? 'thread',
      reclaims: 0,
      state: 'pending',
      attempts: 0,
      queued_at: null,
      started_at: null,
      finished_at: null,
      result: null,
      error: null,
      child_run: null,
    })),
    ...overrides,
  };
}

/** A run as the dashboard feed lists it: queued, two steps, created at 1000 (ms); `extra` overrides. */
export function feedRun(id: number, extra: Partial<FeedRun> = {}): FeedRun {
  const run: FeedRun = {
    id,
    campaign: 1,
    campaign_name: 'Seed',
    batch: null,
    owner: 'alice',
    state: 'queued',
    parameters: { name: `R${id}` },
    created_at: 1000,
    started_at: null,
    finished_at: null,
    last_seq: 2,
    steps: [
      ['s1', 'Step 1', 'queued', 0, 1000, null, null],
      ['s2', 'Step 2', 'pending', 0, null, null, null],
    ],
    parent: null,
  };
  return { ...run, ...extra } as FeedRun;
}
