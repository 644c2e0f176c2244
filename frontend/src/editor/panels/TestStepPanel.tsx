import { useEffect, useMemo, useRef, useState } from 'react';
import { useParams } from 'react-router-dom';
import { errorText } from '../../lib/api';
import { useTestStep } from '../../lib/queries';
import type { GraphStep } from '../../lib/types';
import { useRunLive, useStepLog } from '../../useRunLive';
import { useLastRunContext } from '../lastRun';
import type { EditorDoc } from '../lib/doc';
import { useTestRequest } from '../testRequest';

const STEP_REFERENCE = /\{\{\s*steps\.([A-Za-z_][A-Za-z0-9_-]*)\.result/g;

/** Upstream steps whose results this step reads: its edges' sources and the steps its placeholders name. */
export function upstreamOf(doc: EditorDoc, step: GraphStep): string[] {
  const found = new Set(doc.edges.filter((e) => e.target === step.id).map((e) => e.source));
  for (const match of JSON.stringify(step).matchAll(STEP_REFERENCE)) found.add(match[1]);
  found.delete(step.id);
  return [...found].sort();
}

/** A sample as typed: JSON when it parses (3, true, {"a": 1}), else the text itself. */
export function sampleValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sampleText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

interface Props {
  doc: EditorDoc;
  step: GraphStep;
}

/** "Test this step": run the step as edited, alone, once on a worker, and show its state, result, log and error. */
export function TestStepPanel({ doc, step }: Props) {
  const { id: campaignId } = useParams();
  const upstream = useMemo(() => upstreamOf(doc, step), [doc, step]);
  const [params, setParams] = useState<Record<string, string>>({});
  const [results, setResults] = useState<Record<string, string>>({});
  const [runId, setRunId] = useState<string | undefined>(undefined);
  const [refusal, setRefusal] = useState<string | null>(null);
  // The step whose samples are in the fields (they are filled in after the step is picked).
  const [samplesOf, setSamplesOf] = useState<string | null>(null);
  const testStep = useTestStep(campaignId ?? '');
  const request = useTestRequest();
  const handled = useRef<number | null>(null);
  const panel = useRef<HTMLFieldSetElement>(null);
  const outcome = useRef<HTMLDivElement>(null);
  const sending = testStep.isPending;

  // Samples start from the last run's parameters and results (read once by the editor, `lastRun.tsx`), else
  // from the parameters' defaults; they fill in again when that run arrives or another step is selected.
  const lastRun = useLastRunContext();
  useEffect(() => {
    const values: Record<string, string> = {};
    for (const p of doc.parameters)
      values[p.name] = sampleText(p.name in lastRun.parameters ? lastRun.parameters[p.name] : p.default);
    setParams(values);
    const samples: Record<string, string> = {};
    for (const [id, result] of Object.entries(lastRun.results)) samples[id] = sampleText(result);
    setResults(samples);
    setRunId(undefined);
    setRefusal(null);
    setSamplesOf(step.id);
    // Edits to the same step keep the samples typed; doc.parameters is read as it is when the step is picked.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [step.id, lastRun]);

  const live = useRunLive(runId);
  const stepView = live.view?.steps[step.id];
  const state = stepView?.state ?? (runId ? 'queued' : null);
  // The stored log once, then live lines: the same reader as the run page.
  const log = useStepLog(runId ? Number(runId) : undefined, runId ? step.id : null, live.view);

  // The outcome asked for is brought into view as it comes and when it ends (the panel may be scrolled elsewhere).
  const ended = stepView?.state === 'succeeded' || stepView?.state === 'failed' || stepView?.state === 'cancelled';
  useEffect(() => {
    if (runId) outcome.current?.scrollIntoView?.({ block: 'nearest' });
  }, [runId, ended]);

  // "Run this step" from the canvas menu: once this step's samples are in, run it as the button would.
  useEffect(() => {
    if (!campaignId || !request || request.step !== step.id || samplesOf !== step.id) return;
    if (handled.current === request.nonce) return;
    handled.current = request.nonce;
    panel.current?.scrollIntoView?.({ block: 'nearest' });
    void run();
    // run reads the samples of this render, which is what the request waited for.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [campaignId, request, samplesOf, step.id]);

  if (!campaignId) {
    return (
      <p className="muted small" data-testid="test-step-unsaved">
        Save the campaign once to test its steps.
      </p>
    );
  }

  async function run() {
    setRefusal(null);
    setRunId(undefined);
    try {
      const body = {
        step,
        parameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, sampleValue(v)])),
        upstream: Object.fromEntries(upstream.map((id) => [id, sampleValue(results[id] ?? '')])),
      };
      const created = await testStep.mutateAsync(body);
      setRunId(String(created.id));
    } catch (err) {
      setRefusal(errorText(err));
    }
  }

  return (
    <fieldset className="props-group" data-testid="test-step" ref={panel}>
      <legend>Test this step</legend>
      {doc.parameters.map((p) => (
        <label key={p.name} className="pfield">
          <span className="pfield-label">params.{p.name}</span>
          <input
            value={params[p.name] ?? ''}
            onChange={(e) => setParams({ ...params, [p.name]: e.target.value })}
            data-testid={`test-param-${p.name}`}
          />
        </label>
      ))}
      {upstream.map((id) => (
        <label key={id} className="pfield">
          <span className="pfield-label">steps.{id}.result</span>
          <input
            value={results[id] ?? ''}
            placeholder="sample result (JSON or text)"
            onChange={(e) => setResults({ ...results, [id]: e.target.value })}
            data-testid={`test-upstream-${id}`}
          />
        </label>
      ))}
      <button
        type="button"
        className="btn btn-small btn-primary"
        onClick={run}
        disabled={sending}
        data-testid="test-step-run"
      >
        {sending ? 'Sending…' : 'Test this step'}
      </button>
      {refusal && (
        <p className="field-error small" role="alert" data-testid="test-step-refusal">
          {refusal}
        </p>
      )}
      {runId && (
        <div className="test-step-outcome" data-testid="test-step-outcome" ref={outcome}>
          <p className="small">
            Test run {runId}: <span data-testid="test-step-state">{state}</span>
          </p>
          {stepView?.state === 'succeeded' && (
            <pre className="small" data-testid="test-step-result">
              {shown(stepView.result)}
            </pre>
          )}
          {stepView?.error != null && (
            <pre className="field-error small" data-testid="test-step-error">
              {shown(stepView.error)}
            </pre>
          )}
          {log.length > 0 && (
            <pre className="small" data-testid="test-step-log">
              {log.join('\n')}
            </pre>
          )}
          {live.error && <p className="field-error small">{live.error}</p>}
        </div>
      )}
    </fieldset>
  );
}
