import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { useExecutableRight } from '../auth';
import { LaunchDialog } from '../components/LaunchDialog';
import { useTitle } from '../hooks';
import { errorText } from '../lib/api';
import { useCampaignList, useFunctions } from '../lib/queries';
import { executablesBlock } from '../lib/capabilities';
import type { Campaign } from '../lib/types';
import type { Selection } from './canvas/EditorCanvas';
import { EditorToast, ProblemsPanel } from './CanvasNotices';
import { ConflictDialog } from './ConflictDialog';
import { EditorBody } from './EditorBody';
import { EditorToolbar } from './EditorToolbar';
import { docFromCampaign, EMPTY_DOC, exportFile, importFile, type EditorDoc } from './lib/doc';
import { autoLayout } from './lib/layout';
import { moveSteps } from './lib/ops';
import { NO_ERRORS, type CanvasErrors } from './lib/serverErrors';
import { ShortcutsHelp } from './ShortcutsHelp';
import type { PanelTab } from './SidePanel';
import { downloadText, useEditorCommands } from './useEditorCommands';
import { useEditorDoc } from './useEditorDoc';
import { useEditorCampaign } from './useEditorCampaign';
import { useEditorSave } from './useEditorSave';
import { useUnsavedGuard } from './useUnsavedGuard';
import { isViewOnly, useViewOnlyState, ViewOnlyBanner } from './viewOnly';
import { roomyScreen, useStoredFlag } from './usePanels';
import { LastRunContext, useLastRun } from './lastRun';
import { ContextMenu } from './menu/ContextMenu';
import { useCanvasMenu } from './menu/useCanvasMenu';
import { TestRequestContext, type TestRequest } from './testRequest';

const NO_SELECTION: Selection = { steps: [], edges: [], blocks: [], notes: [] };
const NO_CAMPAIGNS: Campaign[] = [];

function EditorScreen({
  campaignId,
  editorKey,
  viewOnly,
}: {
  campaignId: string | null;
  editorKey: string;
  viewOnly: boolean;
}) {
  const navigate = useNavigate();
  const docState = useEditorDoc(EMPTY_DOC);
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);
  const [selectRequest, setSelectRequest] = useState<{ ids: ReadonlySet<string>; nonce: number } | null>(null);
  const [toast, setToast] = useState<{ text: string; tone: 'error' | 'info'; at: number } | null>(null);
  const [help, setHelp] = useState(false);
  const [tab, setTab] = useState<PanelTab>('step');
  const [launching, setLaunching] = useState(false);
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const [paletteOpen, togglePalette] = useStoredFlag('asyncflow.editor.palette', () => true);
  const [panelOpen, togglePanel] = useStoredFlag('asyncflow.editor.panel', () => true);
  const [minimap, toggleMinimap] = useStoredFlag('asyncflow.editor.minimap', roomyScreen);
  const [editNote, setEditNote] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const refuseEdit = useCallback(
    () =>
      setToast({
        text: 'This is a read-only view: use "Edit this campaign" to change it.',
        tone: 'info',
        at: Date.now(),
      }),
    [],
  );
  const state = useViewOnlyState(docState, viewOnly, refuseEdit);
  const { doc, edit, reset, markSaved } = state;
  useTitle(campaignId ? `Edit ${doc.name}` : 'New campaign');
  const notify = useCallback(
    (text: string, tone: 'error' | 'info' = 'info') => setToast({ text, tone, at: Date.now() }),
    [],
  );
  // The campaign this screen has just created: its URL changes, but what is on screen (and the undo history) stays.
  const created = useRef<string | null>(null);
  const [errors, setErrors] = useState<CanvasErrors>(NO_ERRORS);
  const onLoaded = useCallback(
    (c: Campaign) => {
      reset(docFromCampaign(c));
      setErrors(NO_ERRORS);
    },
    [reset],
  );
  const { campaign, setCampaign, loading, loadError, reload } = useEditorCampaign({ campaignId, created, onLoaded });
  const executables = useExecutableRight(campaign?.team ?? null, campaign);
  const showMerged = useCallback((merged: EditorDoc) => edit(() => merged), [edit]);
  const { save, saving, conflict, setConflict, showProblems, setShowProblems } = useEditorSave({
    doc,
    campaign,
    setCampaign,
    markSaved,
    notify,
    editorKey,
    created,
    setErrors,
    showMerged,
  });
  useUnsavedGuard(state.dirty && !saving);
  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(() => setToast(null), toast.tone === 'error' ? 7000 : 3000);
    return () => clearTimeout(t);
  }, [toast]);

  const functionsQuery = useFunctions();
  const functions = functionsQuery.data ?? null;
  const functionsError = functionsQuery.error ? errorText(functionsQuery.error) : null;
  // The campaigns a workflow step may run; none when they cannot be read.
  const campaignList = useCampaignList(200);
  const campaigns = campaignList.data?.items ?? (campaignList.error ? NO_CAMPAIGNS : null);
  const childCampaigns = useMemo(
    () =>
      (campaigns ?? []).filter((c) => String(c.id) !== campaignId && (c as { source?: string }).source !== 'external'),
    [campaigns, campaignId],
  );

  const select = useCallback(
    (ids: string[]) => setSelectRequest({ ids: new Set(ids), nonce: Date.now() + Math.random() }),
    [],
  );
  const onSelection = useCallback((sel: Selection) => {
    setSelection(sel);
    if (sel.steps.length === 1 || sel.blocks.length === 1) setTab('step');
  }, []);

  const { run, addItem, fit } = useEditorCommands({
    state,
    selection,
    functions: functions ?? [],
    select,
    notify,
    pointer,
    save: () => (viewOnly ? refuseEdit() : void save(null)),
    toggleHelp: (open) => setHelp((h) => (open === undefined ? !h : open)),
    onNoteAdded: setEditNote,
  });

  const lastRun = useLastRun(campaignId);
  const [testRequest, setTestRequest] = useState<TestRequest | null>(null);
  const onTestStep = useCallback(
    (stepId: string) => {
      select([stepId]);
      setTab('step');
      if (!panelOpen) togglePanel();
      setTestRequest({ step: stepId, nonce: Date.now() + Math.random() });
    },
    [panelOpen, select, togglePanel],
  );
  const canvasMenu = useCanvasMenu({
    saved: campaignId != null,
    onTestStep,
    lastRunId: lastRun.id,
    state,
    selection,
    select,
    notify,
    addItem,
    defaultFunction: (functions ?? []).find((f) => f.name === 'noop')?.name ?? functions?.[0]?.name ?? null,
  });

  const functionNames = useMemo(() => new Set((functions ?? []).map((f) => f.name)), [functions]);

  const onImport = async (file: File) => {
    try {
      const read = importFile(await file.text());
      // A graph without positions (a script, a hand-written file) is laid out by dependency, not in a grid.
      const imported = read.steps.some((st) => !st.position) ? moveSteps(read, autoLayout(read)) : read;
      edit(() => imported);
      fit();
      notify(`Imported ${imported.steps.length} steps from ${file.name}. Save to keep them.`);
    } catch (err) {
      notify(`Import failed: ${errorText(err)}`, 'error');
    }
  };

  if (loading)
    return (
      <div className="page">
        <div className="muted">Loading the campaign…</div>
      </div>
    );
  if (loadError) {
    return (
      <div className="page">
        <div className="form-error" role="alert">
          Could not load campaign #{campaignId}: {loadError} <Link to="/campaigns">Back to campaigns</Link>
        </div>
      </div>
    );
  }

  const hasSelection =
    selection.steps.length + selection.edges.length + selection.blocks.length + selection.notes.length > 0;
  const saveBlocked = viewOnly
    ? 'This is a read-only view of the campaign.'
    : executablesBlock(executables, doc, 'save');
  const launchBlocked = executablesBlock(executables, campaign?.graph, 'launch');
  return (
    <LastRunContext.Provider value={lastRun}>
      <TestRequestContext.Provider value={testRequest}>
        <div className="editor-page" data-testid="editor">
          {viewOnly && campaignId && <ViewOnlyBanner campaignId={campaignId} name={doc.name} />}
          <EditorToolbar
            name={doc.name}
            onName={(name) => edit((d) => ({ ...d, name }), { coalesce: 'name' })}
            version={campaign?.version ?? null}
            dirty={state.dirty}
            saving={saving}
            canUndo={state.canUndo}
            canRedo={state.canRedo}
            hasSelection={hasSelection}
            problems={errors.count}
            onCommand={(c) => void run(c)}
            onExport={() =>
              downloadText(`${doc.name.replace(/[^\w-]+/g, '_') || 'campaign'}.asyncflow.json`, exportFile(doc))
            }
            onImport={() => fileInput.current?.click()}
            onLaunch={campaign && !state.dirty ? () => setLaunching(true) : null}
            onShowProblems={() => setShowProblems((s) => !s)}
            saveBlocked={saveBlocked}
            launchBlocked={launchBlocked}
          />
          {saveBlocked && (
            <div className="form-error small" role="status" data-testid="executables-notice">
              {saveBlocked}
            </div>
          )}
          <input
            ref={fileInput}
            type="file"
            accept="application/json,.json"
            hidden
            data-testid="import-file"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void onImport(f);
              e.target.value = '';
            }}
          />
          <EditorBody
            doc={doc}
            edit={edit}
            errors={errors}
            functions={functions}
            functionsError={functionsError}
            functionNames={functionNames}
            campaigns={campaigns ? childCampaigns : null}
            executables={executables}
            selection={selection}
            selectRequest={selectRequest}
            onSelection={onSelection}
            select={select}
            addItem={addItem}
            notify={notify}
            pointer={pointer}
            panels={{ palette: paletteOpen, togglePalette, panel: panelOpen, togglePanel, minimap, toggleMinimap }}
            tab={tab}
            onTab={setTab}
            onContextMenu={viewOnly ? undefined : canvasMenu.open}
            readOnly={viewOnly}
            editNote={editNote}
            overlays={
              <>
                {canvasMenu.menu && (
                  <ContextMenu
                    at={canvasMenu.menu.at}
                    items={canvasMenu.menu.items}
                    onChoose={canvasMenu.choose}
                    onClose={canvasMenu.close}
                  />
                )}
                {doc.steps.length === 0 && doc.notes.length === 0 && (
                  <div className="canvas-hint" data-testid="canvas-empty">
                    Drag a function from the palette onto the canvas to add the first step.
                  </div>
                )}
                {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
                {showProblems && errors.count > 0 && (
                  <ProblemsPanel problems={errors.all} onClose={() => setShowProblems(false)} />
                )}
                {toast && <EditorToast text={toast.text} tone={toast.tone} />}
              </>
            }
          />
          {conflict && (
            <ConflictDialog
              {...conflict}
              onCancel={() => setConflict(null)}
              onReload={() => {
                setConflict(null);
                void reload().then((failure) => failure && notify(`Could not reload: ${failure}`, 'error'));
              }}
              onOverwrite={() => void save({ version: conflict.currentVersion })}
            />
          )}
          {launching && campaign && (
            <LaunchDialog
              campaign={campaign}
              onClose={() => setLaunching(false)}
              onLaunched={(run) => navigate(`/runs/${run.id}`)}
              onLaunchedBatch={(batch) => navigate(`/dashboard?batch=${batch.batch}&campaign=${campaign.id}`)}
            />
          )}
        </div>
      </TestRequestContext.Provider>
    </LastRunContext.Provider>
  );
}

export function EditorPage() {
  const { id } = useParams();
  const location = useLocation();
  // A new campaign keeps its screen when its first save moves it to its own URL.
  const editorKey =
    (location.state as { editorKey?: string } | null)?.editorKey ?? (id ? `campaign-${id}` : `new-${location.key}`);
  return (
    <ReactFlowProvider key={editorKey}>
      <EditorScreen campaignId={id ?? null} editorKey={editorKey} viewOnly={isViewOnly(location.search)} />
    </ReactFlowProvider>
  );
}
