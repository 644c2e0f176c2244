import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { LiveIndicator } from '../components/LiveIndicator';
import { LogPanel } from '../components/run/LogPanel';
import { RunActions } from '../components/run/RunActions';
import { RunGraph } from '../components/RunGraph';
import { StateBadge } from '../components/StateBadge';
import { StepDetails } from '../components/StepDetails';
import { ChildRuns, stepProgress, useChildRuns } from '../components/run/ChildRuns';
import { useBlockStates } from '../components/run/useBlockStates';
import { Timeline } from '../components/Timeline';
import { useNow, useTitle } from '../hooks';
import { durationBetween, formatDateTime, formatDuration, formatValue } from '../lib/format';
import { invalidateRunMoved, useRunResults } from '../lib/queries';
import { displayStepState, isRunTerminal, stepDetails, type RunView } from '../lib/runState';
import type { Graph, Run } from '../lib/types';
import { useRunLive, useStepLog } from '../useRunLive';
import { Truncated } from '../components/Truncated';
import '../components/run/run.css';

function runTimes(run: Run, view: RunView) {
  return { created: run.created_at, started: view.startedAt, finished: view.finishedAt };
}

const NO_RESULTS: Readonly<Record<string, unknown>> = {};

export function RunPage() {
  const { id } = useParams();
  const { run, view, status, error, notFound } = useRunLive(id);
  const [searchParams] = useSearchParams();
  // ?step=ID (the editor's "Open last run's log") opens the page with that step's details and log.
  const [selected, setSelected] = useState<string | null>(() => searchParams.get('step'));
  useTitle(run ? `Run #${run.id} · ${run.campaign_name}` : `Run #${id ?? ''}`);

  const graph: Graph = useMemo(() => {
    if (run?.graph?.steps?.length) return run.graph;
    // No graph in the detail: fall back to the step list, without edges.
    return {
      steps: (run?.steps ?? []).map((s) => ({ id: s.step, name: s.name, kind: 'function' })),
      edges: [],
    };
  }, [run]);

  const stateOf = useCallback((stepId: string) => (view ? displayStepState(view, stepId) : 'pending'), [view]);
  const attemptsOf = useCallback(
    (stepId: string) => (view ? (stepDetails(view, stepId)?.attemptCount ?? 0) : 0),
    [view],
  );
  const errorOf = useCallback(
    (stepId: string) => {
      if (!view || displayStepState(view, stepId) !== 'failed') return null;
      const error = stepDetails(view, stepId)?.error;
      if (error === undefined || error === null || error === '') return 'failed';
      return (typeof error === 'string' ? error : JSON.stringify(error)).split('\n')[0];
    },
    [view],
  );
  const toggle = useCallback((stepId: string) => setSelected((cur) => (cur === stepId ? null : stepId)), []);

  // Results too large for events are only in the run detail: read them when shown.
  const truncated = !!(selected && view?.steps[selected]?.resultTruncated);
  const fullResults = useRunResults(id, truncated).data ?? NO_RESULTS;

  const runState = view ? view.state : run?.state;
  // A cancel or retry shows here through the socket; once the run's state moves, the lists that show it ask again.
  const client = useQueryClient();
  const movedFrom = useRef<{ runId: number; state: string } | null>(null);
  useEffect(() => {
    if (!view) return;
    const before = movedFrom.current;
    if (before?.runId === view.runId && before.state !== view.state) invalidateRunMoved(client, view.runId);
    movedFrom.current = { runId: view.runId, state: view.state };
  }, [client, view]);
  const logLines = useStepLog(run?.id, selected, view);
  const times = run && view ? runTimes(run, view) : null;
  const ticking = !!times?.started && !times.finished && !!runState && !isRunTerminal(runState);
  const now = useNow(ticking, 1000);
  const hasWorkflows = graph.steps.some((s) => s.kind === 'workflow');
  const children = useChildRuns(Number(id), !!runState && !isRunTerminal(runState), hasWorkflows && !!id);
  // Items come with the run's events (view.items); child runs from their summaries.
  const progress = useMemo(() => ({ children, items: view?.items ?? {} }), [children, view?.items]);
  const progressOf = useCallback((stepId: string) => stepProgress(progress, stepId), [progress]);
  const blockStates = useBlockStates(run?.id, run?.blocks, view);

  if (notFound) {
    return (
      <div className="page">
        <div className="empty" data-testid="run-not-found">
          Run #{id} was not found. <Link to="/runs">Back to runs</Link>
        </div>
      </div>
    );
  }
  if (error) {
    return (
      <div className="page">
        <div className="form-error" role="alert">
          Could not load run #{id}: {error}
        </div>
      </div>
    );
  }
  if (!run || !view) {
    return (
      <div className="page">
        <div className="muted">Loading run #{id}…</div>
      </div>
    );
  }

  let details = selected ? stepDetails(view, selected) : null;
  if (details && selected && selected in fullResults) {
    details = { ...details, result: fullResults[selected], resultTruncated: false };
  }
  const params = Object.entries(run.parameters ?? {});

  return (
    <div className="page run-page">
      <div className="card run-header">
        <div className="run-title-row">
          <div>
            <div className="crumbs">
              <Link to="/runs">Runs</Link> / <span>#{run.id}</span>
            </div>
            <h1 className="run-heading">
              <Truncated text={run.campaign_name} /> <span className="muted run-id">#{run.id}</span>
              <span className="muted small"> v{run.version}</span>
            </h1>
          </div>
          <div className="run-status">
            <StateBadge state={runState ?? run.state} testId="run-state" className="badge-large" />
            <LiveIndicator status={status} />
            <RunActions
              runId={run.id}
              state={runState ?? run.state}
              retryableStep={
                selected && details && ['failed', 'cancelled', 'skipped'].includes(details.state) ? selected : null
              }
              retryableStepName={
                selected
                  ? (view.steps[selected]?.name ?? graph.steps.find((s) => s.id === selected)?.name ?? selected)
                  : null
              }
            />
          </div>
        </div>
        <div className="run-meta">
          <div className="params-list" data-testid="run-parameters">
            {params.length === 0 && <span className="muted">No parameters</span>}
            {params.map(([k, v]) => (
              <span className="param-chip" key={k}>
                <span className="param-key">{k}</span>
                <span className="param-value">{formatValue(v)}</span>
              </span>
            ))}
          </div>
          {times && (
            <div className="run-times">
              <span>
                <span className="muted">Created</span> {formatDateTime(times.created)}
              </span>
              <span>
                <span className="muted">Started</span> {formatDateTime(times.started)}
              </span>
              <span>
                <span className="muted">Finished</span> {formatDateTime(times.finished)}
              </span>
              <span>
                <span className="muted">Duration</span>{' '}
                <span data-testid="run-duration">
                  {formatDuration(durationBetween(times.started, times.finished, now))}
                </span>
              </span>
            </div>
          )}
        </div>
      </div>

      <div className="run-layout">
        <div className="run-main">
          <section className="card graph-card">
            <h2 className="card-title">Graph</h2>
            <RunGraph
              graph={graph}
              stateOf={stateOf}
              attemptsOf={attemptsOf}
              errorOf={errorOf}
              selected={selected}
              onSelect={toggle}
              progressOf={progressOf}
            />
          </section>

          {progress.children.length > 0 && <ChildRuns children={progress.children} />}

          <section className="card timeline-card">
            <h2 className="card-title">
              Timeline <span className="muted small">seconds from run start</span>
            </h2>
            <Timeline view={view} graph={graph} blockStates={blockStates} selected={selected} onSelect={toggle} />
          </section>
        </div>

        <aside className="run-side" data-testid="run-side">
          <section className="card details-card">
            <h2 className="card-title">Step details</h2>
            <StepDetails
              details={details}
              step={graph.steps.find((s) => s.id === selected)}
              onClose={() => setSelected(null)}
            />
          </section>
          <LogPanel
            runId={run.id}
            step={selected}
            stepName={selected ? (view.steps[selected]?.name ?? selected) : null}
            lines={logLines}
            active={!!runState && !isRunTerminal(runState)}
          />
        </aside>
      </div>
    </div>
  );
}
