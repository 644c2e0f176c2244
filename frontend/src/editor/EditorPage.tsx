import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { useExecutableRight } from '../auth';
import { LaunchDialog } from '../components/LaunchDialog';
import { useTitle } from '../hooks';
import { ApiError, api, unwrapList } from '../lib/api';
import { executablesBlock } from '../lib/capabilities';
import type { Campaign, FunctionInfo } from '../lib/types';
import { EditorCanvas, type Selection } from './canvas/EditorCanvas';
import { EditorToast, ProblemsPanel } from './CanvasNotices';
import { ConflictDialog } from './ConflictDialog';
import { EditorToolbar } from './EditorToolbar';
import { docFromCampaign, docToApiBody, EMPTY_DOC, exportFile, importFile, type EditorDoc } from './lib/doc';
import { autoLayout } from './lib/layout';
import { moveSteps } from './lib/ops';
import { canvasErrors, NO_ERRORS, type CanvasErrors } from './lib/serverErrors';
import { Palette } from './Palette';
import { ShortcutsHelp } from './ShortcutsHelp';
import { SidePanel, type PanelTab } from './SidePanel';
import { downloadText, useEditorCommands } from './useEditorCommands';
import { useEditorDoc } from './useEditorDoc';
import { useUnsavedGuard } from './useUnsavedGuard';
import { isViewOnly, useViewOnlyState, ViewOnlyBanner } from './viewOnly';
import { roomyScreen, useStoredFlag } from './usePanels';
import { Icon } from '../components/Icon';
import { LastRunContext, useLastRun } from './lastRun';
import { ContextMenu } from './menu/ContextMenu';
import { useCanvasMenu } from './menu/useCanvasMenu';

/** Whether two documents differ only in where their steps sit. */
function sameWithoutLayout(a: EditorDoc, b: EditorDoc): boolean {
  const strip = (d: EditorDoc) =>
    JSON.stringify(docToApiBody({ ...d, steps: d.steps.map((st) => ({ ...st, position: undefined })) }, null));
  return strip(a) === strip(b);
}

const NO_SELECTION: Selection = { steps: [], edges: [], blocks: [] };

interface Conflict {
  detail: string;
  currentVersion: number | null;
  changes: unknown;
}

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
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loading, setLoading] = useState(campaignId != null);
  const [functions, setFunctions] = useState<FunctionInfo[] | null>(null);
  const [functionsError, setFunctionsError] = useState<string | null>(null);
  const [campaigns, setCampaigns] = useState<Campaign[] | null>(null);
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);
  const [selectRequest, setSelectRequest] = useState<{ ids: ReadonlySet<string>; nonce: number } | null>(null);
  const [errors, setErrors] = useState<CanvasErrors>(NO_ERRORS);
  const [toast, setToast] = useState<{ text: string; tone: 'error' | 'info'; at: number } | null>(null);
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [help, setHelp] = useState(false);
  const [tab, setTab] = useState<PanelTab>('step');
  const [showProblems, setShowProblems] = useState(false);
  const [launching, setLaunching] = useState(false);
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const [paletteOpen, togglePalette] = useStoredFlag('asyncflow.editor.palette', () => true);
  const [panelOpen, togglePanel] = useStoredFlag('asyncflow.editor.panel', () => true);
  const [minimap, toggleMinimap] = useStoredFlag('asyncflow.editor.minimap', roomyScreen);
  // The campaign this screen has just created: its URL changes, but what is on screen (and the undo history) stays.
  const created = useRef<string | null>(null);
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
  const executables = useExecutableRight(campaign?.team ?? null, campaign);
  useUnsavedGuard(state.dirty && !saving);

  const notify = useCallback(
    (text: string, tone: 'error' | 'info' = 'info') => setToast({ text, tone, at: Date.now() }),
    [],
  );
  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(() => setToast(null), toast.tone === 'error' ? 7000 : 3000);
    return () => clearTimeout(t);
  }, [toast]);

  const load = useCallback(async () => {
    if (!campaignId) return;
    setLoading(true);
    try {
      const c = await api.campaign(campaignId);
      setCampaign(c);
      reset(docFromCampaign(c));
      setErrors(NO_ERRORS);
      setLoadError(null);
    } catch (err) {
      setLoadError(err instanceof Error ? err.message : String(err));
    } finally {
      setLoading(false);
    }
  }, [campaignId, reset]);
  useEffect(() => {
    if (campaignId != null && created.current === campaignId) return;
    void load();
  }, [campaignId, load]);
  useEffect(() => {
    api.functions().then(setFunctions, (err) => setFunctionsError(err instanceof Error ? err.message : String(err)));
    api.campaigns(200).then(
      (body) => setCampaigns(unwrapList(body).items),
      () => setCampaigns([]),
    );
  }, []);
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

  const save = useCallback(
    async (overwrite: { version: number | null } | null = null) => {
      if (saving) return;
      setSaving(true);
      // Overwriting names the version it overwrites (when the server said), so a third save in between
      // is not lost silently.
      const body = docToApiBody(doc, overwrite ? overwrite.version : (campaign?.version ?? null));
      try {
        const saved = campaign ? await api.updateCampaign(campaign.id, body) : await api.createCampaign(body);
        setCampaign(saved);
        markSaved(doc);
        setErrors(NO_ERRORS);
        setConflict(null);
        const layoutOnly =
          !!campaign && saved.version !== campaign.version && sameWithoutLayout(docFromCampaign(campaign), doc);
        notify(
          campaign && saved.version === campaign.version
            ? 'Saved (nothing changed in the definition).'
            : layoutOnly
              ? `Saved as version ${saved.version}: only the layout changed, and positions are part of a version.`
              : `Saved as version ${saved.version}.`,
        );
        if (!campaign) {
          created.current = String(saved.id);
          navigate(`/campaigns/${saved.id}/edit`, { replace: true, state: { editorKey } });
        }
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          const b = (err.body ?? {}) as Record<string, unknown>;
          setConflict({
            detail: String(b.detail ?? ''),
            currentVersion: typeof b.current_version === 'number' ? b.current_version : null,
            changes: b.changes,
          });
        } else if (err instanceof ApiError && err.status === 400) {
          const mapped = canvasErrors(err.body);
          setErrors(mapped);
          setShowProblems(true);
          notify(`Not saved: ${mapped.count} problem${mapped.count === 1 ? '' : 's'} to fix.`, 'error');
        } else {
          notify(`Not saved: ${err instanceof Error ? err.message : String(err)}`, 'error');
        }
      } finally {
        setSaving(false);
      }
    },
    [campaign, doc, editorKey, markSaved, navigate, notify, saving],
  );

  const { run, addItem, fit } = useEditorCommands({
    state,
    selection,
    functions: functions ?? [],
    select,
    notify,
    pointer,
    save: () => (viewOnly ? refuseEdit() : void save(null)),
    toggleHelp: (open) => setHelp((h) => (open === undefined ? !h : open)),
  });

  const lastRun = useLastRun(campaignId);
  const canvasMenu = useCanvasMenu({
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
      notify(`Import failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
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

  const hasSelection = selection.steps.length + selection.edges.length + selection.blocks.length > 0;
  const saveBlocked = viewOnly
    ? 'This is a read-only view of the campaign.'
    : executablesBlock(executables, doc, 'save');
  const launchBlocked = executablesBlock(executables, campaign?.graph, 'launch');
  return (
    <LastRunContext.Provider value={lastRun}>
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
        <div
          className="editor-body"
          style={{
            gridTemplateColumns: `${paletteOpen ? '190px' : '34px'} minmax(0, 1fr) ${panelOpen ? '330px' : '34px'}`,
          }}
        >
          {paletteOpen ? (
            <Palette
              functions={functions}
              error={functionsError}
              onAdd={(item) => addItem(item)}
              onCollapse={togglePalette}
              executables={executables}
              campaigns={campaigns ? childCampaigns : null}
            />
          ) : (
            <div className="panel-rail panel-rail-left">
              <button
                type="button"
                className="btn btn-small btn-ghost"
                onClick={togglePalette}
                title="Show the palette"
                aria-label="Show the palette"
                data-testid="palette-expand"
              >
                <Icon name="panelLeft" />
              </button>
            </div>
          )}
          <div className="editor-canvas-wrap">
            <EditorCanvas
              doc={doc}
              edit={edit}
              errors={errors}
              functionNames={functionNames}
              selectRequest={selectRequest}
              onSelection={onSelection}
              onDropItem={addItem}
              onMessage={notify}
              pointer={pointer}
              minimap={minimap}
              onToggleMinimap={toggleMinimap}
              onContextMenu={viewOnly ? undefined : canvasMenu.open}
              readOnly={viewOnly}
            />
            {canvasMenu.menu && (
              <ContextMenu
                at={canvasMenu.menu.at}
                items={canvasMenu.menu.items}
                onChoose={canvasMenu.choose}
                onClose={canvasMenu.close}
              />
            )}
            {doc.steps.length === 0 && (
              <div className="canvas-hint" data-testid="canvas-empty">
                Drag a function from the palette onto the canvas to add the first step.
              </div>
            )}
            {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
            {showProblems && errors.count > 0 && (
              <ProblemsPanel problems={errors.all} onClose={() => setShowProblems(false)} />
            )}
            {toast && <EditorToast text={toast.text} tone={toast.tone} />}
          </div>
          {panelOpen ? (
            <SidePanel
              onCollapse={togglePanel}
              tab={tab}
              onTab={setTab}
              doc={doc}
              selection={selection}
              functions={functions ?? []}
              errors={errors}
              edit={edit}
              onRenamed={(id) => select([id])}
            />
          ) : (
            <div className="panel-rail panel-rail-right">
              <button
                type="button"
                className="btn btn-small btn-ghost"
                onClick={togglePanel}
                title="Show the properties panel"
                aria-label="Show the properties panel"
                data-testid="panel-expand"
              >
                <Icon name="panelRight" />
              </button>
            </div>
          )}
        </div>
        {conflict && (
          <ConflictDialog
            {...conflict}
            onCancel={() => setConflict(null)}
            onReload={() => {
              setConflict(null);
              void load();
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
