import type { ReactNode } from 'react';
import { Icon } from '../components/Icon';
import type { Campaign, ExecutableRight, FunctionInfo } from '../lib/types';
import { EditorCanvas, type PaletteItem, type Selection } from './canvas/EditorCanvas';
import type { EditorDoc } from './lib/doc';
import type { CanvasErrors } from './lib/serverErrors';
import type { MenuTarget } from './menu/menuItems';
import { Palette } from './Palette';
import { SidePanel, type PanelTab } from './SidePanel';
import type { EditOptions } from './useEditorDoc';

interface Props {
  doc: EditorDoc;
  edit: (change: (doc: EditorDoc) => EditorDoc, options?: EditOptions) => void;
  errors: CanvasErrors;
  functions: FunctionInfo[] | null;
  functionsError: string | null;
  functionNames: ReadonlySet<string>;
  campaigns: Campaign[] | null;
  executables: ExecutableRight;
  selection: Selection;
  selectRequest: { ids: ReadonlySet<string>; nonce: number } | null;
  onSelection: (selection: Selection) => void;
  select: (ids: string[]) => void;
  addItem: (item: PaletteItem, at?: { x: number; y: number }) => void;
  notify: (text: string, tone?: 'error' | 'info') => void;
  pointer: React.MutableRefObject<{ x: number; y: number } | null>;
  panels: {
    palette: boolean;
    togglePalette: () => void;
    panel: boolean;
    togglePanel: () => void;
    minimap: boolean;
    toggleMinimap: () => void;
  };
  tab: PanelTab;
  onTab: (tab: PanelTab) => void;
  onContextMenu?: (target: MenuTarget, at: { x: number; y: number }) => void;
  readOnly: boolean;
  editNote: string | null;
  /** Drawn over the canvas: menus, hints, the problems list, toasts. */
  overlays: ReactNode;
}

function Rail({ side, onOpen }: { side: 'left' | 'right'; onOpen: () => void }) {
  const what = side === 'left' ? 'palette' : 'properties panel';
  return (
    <div className={`panel-rail panel-rail-${side}`}>
      <button
        type="button"
        className="btn btn-small btn-ghost"
        onClick={onOpen}
        title={`Show the ${what}`}
        aria-label={`Show the ${what}`}
        data-testid={side === 'left' ? 'palette-expand' : 'panel-expand'}
      >
        <Icon name={side === 'left' ? 'panelLeft' : 'panelRight'} />
      </button>
    </div>
  );
}

/** The palette, the canvas and the properties panel side by side; either panel folds to a rail. */
export function EditorBody(p: Props) {
  const { panels } = p;
  return (
    <div
      className="editor-body"
      style={{
        gridTemplateColumns: `${panels.palette ? '190px' : '34px'} minmax(0, 1fr) ${panels.panel ? '330px' : '34px'}`,
      }}
    >
      {panels.palette ? (
        <Palette
          functions={p.functions}
          error={p.functionsError}
          onAdd={(item) => p.addItem(item)}
          onCollapse={panels.togglePalette}
          executables={p.executables}
          campaigns={p.campaigns}
        />
      ) : (
        <Rail side="left" onOpen={panels.togglePalette} />
      )}
      <div className="editor-canvas-wrap">
        <EditorCanvas
          doc={p.doc}
          edit={p.edit}
          errors={p.errors}
          functionNames={p.functionNames}
          selectRequest={p.selectRequest}
          onSelection={p.onSelection}
          onDropItem={p.addItem}
          onMessage={p.notify}
          pointer={p.pointer}
          minimap={panels.minimap}
          onToggleMinimap={panels.toggleMinimap}
          onContextMenu={p.onContextMenu}
          readOnly={p.readOnly}
          editNote={p.editNote}
        />
        {p.overlays}
      </div>
      {panels.panel ? (
        <SidePanel
          onCollapse={panels.togglePanel}
          tab={p.tab}
          onTab={p.onTab}
          doc={p.doc}
          selection={p.selection}
          functions={p.functions ?? []}
          errors={p.errors}
          edit={p.edit}
          onRenamed={(id) => p.select([id])}
        />
      ) : (
        <Rail side="right" onOpen={panels.togglePanel} />
      )}
    </div>
  );
}
