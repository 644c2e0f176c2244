import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  ControlButton,
  Controls,
  MiniMap,
  ReactFlow,
  SelectionMode,
  useReactFlow,
  type Edge,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Icon } from '../../components/Icon';
import { useTheme } from '../../hooks';
import { NODE_HEIGHT, NODE_WIDTH, type EditorDoc } from '../lib/doc';
import { blockBoxes } from '../lib/layout';
import { moveNotes, removeNotes, updateNote } from '../lib/notes';
import { blockMembers, moveSteps, pruneEmptyBlocks } from '../lib/ops';
import type { CanvasErrors } from '../lib/serverErrors';
import type { MenuTarget } from '../menu/menuItems';
import type { EditOptions } from '../useEditorDoc';
import { NoteActionsContext, type NoteActions } from '../notes/NoteNode';
import {
  blockIdOf,
  buildEdges,
  buildNodes,
  dropIntoBlocks,
  isBlockNode,
  isNoteNode,
  noteIdOf,
  type EditorNode,
} from './model';
import { editorNodeTypes } from './nodes';
import { useConnections } from './useConnections';

export const PALETTE_MIME = 'application/x-asyncflow-palette';

export interface PaletteItem {
  kind: 'function' | 'executable' | 'block' | 'workflow' | 'note';
  function?: string;
  /** A workflow step: the campaign it runs, and its declared parameters for the step's form. */
  campaign?: { id: number; name: string; version: number; parameters: { name: string; default?: unknown }[] };
}

export interface Selection {
  steps: string[];
  edges: string[];
  blocks: string[];
  notes: string[];
}

interface Props {
  doc: EditorDoc;
  edit: (change: (doc: EditorDoc) => EditorDoc, options?: EditOptions) => void;
  errors: CanvasErrors;
  functionNames: ReadonlySet<string>;
  /** Replace the selection with these node ids (bump `nonce` to apply again). */
  selectRequest: { ids: ReadonlySet<string>; nonce: number } | null;
  onSelection: (selection: Selection) => void;
  onDropItem: (item: PaletteItem, at: { x: number; y: number }) => void;
  onMessage: (text: string, tone?: 'error' | 'info') => void;
  /** Flow coordinates of the pointer, for pasting where the user points. */
  pointer: React.MutableRefObject<{ x: number; y: number } | null>;
  minimap?: boolean;
  onToggleMinimap?: () => void;
  /** A right-click on a step, edge, block or the empty canvas, at client coordinates. */
  onContextMenu?: (target: MenuTarget, at: { x: number; y: number }) => void;
  /** Look only: nothing moves or connects. */
  readOnly?: boolean;
  /** A sticky note to open for typing (one just added). */
  editNote?: string | null;
}

export function EditorCanvas({
  doc,
  edit,
  errors,
  functionNames,
  selectRequest,
  onSelection,
  onDropItem,
  onMessage,
  pointer,
  minimap = true,
  onToggleMinimap,
  onContextMenu,
  readOnly = false,
  editNote = null,
}: Props) {
  const flow = useReactFlow();
  const theme = useTheme();
  const wrapper = useRef<HTMLDivElement>(null);
  const big = doc.steps.length > 200;
  // On big graphs, edges are hidden while the view moves and come back when it stops: repainting
  // hundreds of SVG paths on every pan frame is what makes large workflow canvases stutter.
  const onMoveStart = useCallback(() => {
    if (big) wrapper.current?.classList.add('is-moving');
  }, [big]);
  const onMoveEnd = useCallback(() => wrapper.current?.classList.remove('is-moving'), []);
  const [nodes, setNodes] = useState<EditorNode[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);
  const docRef = useRef(doc);
  docRef.current = doc;
  const appliedNonce = useRef<number | null>(null);
  // Fit a campaign that opens with steps; on an empty canvas, fitting would move the view under the first drop.
  const [fitOnOpen] = useState(() => doc.steps.length > 0);

  useLayoutEffect(() => {
    const select = selectRequest && selectRequest.nonce !== appliedNonce.current ? selectRequest.ids : null;
    if (selectRequest) appliedNonce.current = selectRequest.nonce;
    setNodes((prev) => buildNodes(doc, errors, functionNames, new Map(prev.map((n) => [n.id, n])), select));
    setEdges((prev) => {
      const built = buildEdges(doc, errors, new Map(prev.map((e) => [e.id, e])));
      return select ? built.map((e) => (e.selected ? { ...e, selected: false } : e)) : built;
    });
  }, [doc, errors, functionNames, selectRequest]);

  // Report the selection whenever it changes.
  const lastSelection = useRef('');
  useEffect(() => {
    const sel: Selection = { steps: [], edges: [], blocks: [], notes: [] };
    for (const n of nodes) {
      if (!n.selected) continue;
      if (isBlockNode(n.id)) sel.blocks.push(blockIdOf(n.id));
      else if (isNoteNode(n.id)) sel.notes.push(noteIdOf(n.id));
      else sel.steps.push(n.id);
    }
    for (const e of edges) if (e.selected) sel.edges.push(e.id);
    const key = JSON.stringify(sel);
    if (key !== lastSelection.current) {
      lastSelection.current = key;
      onSelection(sel);
    }
  }, [nodes, edges, onSelection]);

  const onNodesChange = useCallback((changes: NodeChange<EditorNode>[]) => {
    setNodes((prev) => {
      const kept = changes.filter((c) => c.type !== 'remove');
      let next = applyNodeChanges(kept, prev);
      const moves = kept.filter((c) => c.type === 'position' && c.position);
      if (!moves.length) return next;
      const byId = new Map(prev.map((n) => [n.id, n]));
      const movedDirectly = new Set(moves.map((c) => (c as { id: string }).id));
      const shift = new Map<string, { dx: number; dy: number }>();
      for (const c of moves) {
        if (c.type !== 'position' || !c.position || !isBlockNode(c.id)) continue;
        const before = byId.get(c.id);
        if (!before) continue;
        const dx = c.position.x - before.position.x;
        const dy = c.position.y - before.position.y;
        for (const member of blockMembers(docRef.current, blockIdOf(c.id))) {
          if (!movedDirectly.has(member)) shift.set(member, { dx, dy });
        }
      }
      if (shift.size) {
        next = next.map((n) => {
          const d = shift.get(n.id);
          return d ? { ...n, position: { x: n.position.x + d.dx, y: n.position.y + d.dy } } : n;
        });
      }
      if (docRef.current.blocks.length) {
        const positions: Record<string, { x: number; y: number }> = {};
        for (const n of next) if (!isBlockNode(n.id)) positions[n.id] = n.position;
        const boxes = blockBoxes(docRef.current, positions);
        next = next.map((n) => {
          if (!isBlockNode(n.id)) return n;
          const b = boxes[blockIdOf(n.id)];
          if (!b || (n.position.x === b.x && n.position.y === b.y && n.width === b.width && n.height === b.height))
            return n;
          return {
            ...n,
            position: { x: b.x, y: b.y },
            width: b.width,
            height: b.height,
            style: { width: b.width, height: b.height },
          };
        });
      }
      return next;
    });
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    setEdges((prev) =>
      applyEdgeChanges(
        changes.filter((c) => c.type !== 'remove'),
        prev,
      ),
    );
  }, []);

  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;
  const commitDrag = useCallback(() => {
    const current = docRef.current;
    const moved: Record<string, { x: number; y: number }> = {};
    const byId = new Map(nodesRef.current.map((n) => [n.id, n]));
    for (const s of current.steps) {
      const n = byId.get(s.id);
      if (!n) continue;
      const x = Math.round(n.position.x);
      const y = Math.round(n.position.y);
      if (!s.position || s.position.x !== x || s.position.y !== y) {
        moved[s.id] = { x, y };
      }
    }
    const notesMoved: Record<string, { x: number; y: number }> = {};
    for (const note of current.notes) {
      const n = byId.get(`note:${note.id}`);
      if (n && (Math.round(n.position.x) !== note.x || Math.round(n.position.y) !== note.y))
        notesMoved[note.id] = n.position;
    }
    if (!Object.keys(moved).length && !Object.keys(notesMoved).length) return;
    const draggedBlock = nodesRef.current.some((n) => isBlockNode(n.id) && n.selected);
    // Membership is decided against the boxes as they were before the drag.
    edit((d) => {
      const steps = Object.keys(moved).length
        ? pruneEmptyBlocks(moveSteps(draggedBlock ? d : dropIntoBlocks(d, moved), moved))
        : d;
      return moveNotes(steps, notesMoved);
    });
  }, [edit]);

  const noteActions = useMemo<NoteActions>(
    () => ({
      onText: (id, text) => edit((d) => updateNote(d, id, { text }), { coalesce: `note:${id}` }),
      onChange: (id, patch) => edit((d) => updateNote(d, id, patch)),
      onDelete: (id) => edit((d) => removeNotes(d, [id])),
      editRequest: editNote,
      readOnly,
    }),
    [edit, editNote, readOnly],
  );

  const { onConnect, isValidConnection, ConnectionLine, onConnectStart, onConnectEnd } = useConnections({
    docRef,
    edit,
    onMessage,
    wrapper,
  });

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(PALETTE_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);
  const onDrop = useCallback(
    (e: DragEvent) => {
      const raw = e.dataTransfer.getData(PALETTE_MIME);
      if (!raw) return;
      e.preventDefault();
      const item = JSON.parse(raw) as PaletteItem;
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      onDropItem(item, { x: Math.round(p.x - NODE_WIDTH / 2), y: Math.round(p.y - NODE_HEIGHT / 2) });
    },
    [flow, onDropItem],
  );

  const onNodeContextMenu = useCallback(
    (e: React.MouseEvent, node: EditorNode) => {
      if (!onContextMenu) return;
      e.preventDefault();
      const target: MenuTarget = isBlockNode(node.id)
        ? { kind: 'block', id: blockIdOf(node.id) }
        : isNoteNode(node.id)
          ? { kind: 'note', id: noteIdOf(node.id) }
          : { kind: 'step', id: node.id };
      onContextMenu(target, { x: e.clientX, y: e.clientY });
    },
    [onContextMenu],
  );
  const onEdgeContextMenu = useCallback(
    (e: React.MouseEvent, edge: Edge) => {
      if (!onContextMenu) return;
      e.preventDefault();
      onContextMenu({ kind: 'edge', id: edge.id }, { x: e.clientX, y: e.clientY });
    },
    [onContextMenu],
  );
  const onPaneContextMenu = useCallback(
    (e: MouseEvent | React.MouseEvent) => {
      if (!onContextMenu) return;
      e.preventDefault();
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      onContextMenu(
        { kind: 'canvas', at: { x: Math.round(p.x - NODE_WIDTH / 2), y: Math.round(p.y - NODE_HEIGHT / 2) } },
        { x: e.clientX, y: e.clientY },
      );
    },
    [flow, onContextMenu],
  );

  const minimapColor = useCallback(
    (n: EditorNode) =>
      isBlockNode(n.id) ? 'transparent' : isNoteNode(n.id) ? 'var(--note-yellow)' : 'var(--minimap-node)',
    [],
  );
  const defaultEdgeOptions = useMemo(() => ({ interactionWidth: 16 }), []);

  return (
    <NoteActionsContext.Provider value={noteActions}>
      <div
        ref={wrapper}
        className="editor-canvas"
        data-testid="editor-canvas"
        onDragOver={onDragOver}
        onDrop={onDrop}
        onMouseMove={(e) => {
          pointer.current = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        }}
      >
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={editorNodeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          onNodeDragStop={commitDrag}
          onSelectionDragStop={commitDrag}
          onMoveStart={onMoveStart}
          onMoveEnd={onMoveEnd}
          isValidConnection={isValidConnection}
          connectionLineComponent={ConnectionLine}
          onConnectStart={onConnectStart}
          onConnectEnd={onConnectEnd}
          nodesDraggable={!readOnly}
          nodesConnectable={!readOnly}
          onNodeContextMenu={onNodeContextMenu}
          onEdgeContextMenu={onEdgeContextMenu}
          onPaneContextMenu={onPaneContextMenu}
          defaultEdgeOptions={defaultEdgeOptions}
          selectionOnDrag
          selectionMode={SelectionMode.Partial}
          panOnDrag={[1, 2]}
          panActivationKeyCode="Space"
          multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
          deleteKeyCode={null}
          // Culling re-renders every node on each pan frame; with all nodes in view (zoom to fit) that costs more than it saves.
          onlyRenderVisibleElements={false}
          minZoom={0.05}
          maxZoom={2}
          fitView={fitOnOpen}
          fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
          proOptions={{ hideAttribution: true }}
          colorMode={theme}
        >
          <Background gap={20} color="var(--canvas-dots)" />
          <Controls showInteractive={false}>
            {onToggleMinimap && (
              <ControlButton
                onClick={onToggleMinimap}
                title={minimap ? 'Hide the minimap' : 'Show the minimap'}
                aria-label={minimap ? 'Hide the minimap' : 'Show the minimap'}
                data-testid="minimap-toggle"
              >
                <Icon name="map" size={12} />
              </ControlButton>
            )}
          </Controls>
          {minimap && (
            <MiniMap
              pannable
              zoomable
              nodeColor={minimapColor}
              className="editor-minimap"
              data-testid="editor-minimap"
              style={{ width: 160, height: 110 }}
            />
          )}
        </ReactFlow>
      </div>
    </NoteActionsContext.Provider>
  );
}
