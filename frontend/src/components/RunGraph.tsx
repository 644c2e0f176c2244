import { memo, useCallback, useEffect, useMemo, useRef } from 'react';
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Panel,
  Position,
  ReactFlow,
  useNodesState,
  type Edge,
  type Node,
  type NodeProps,
  type ReactFlowInstance,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useTheme } from '../hooks';
import { Icon } from './Icon';
import { layoutGraph, topLeftViewport } from '../lib/graphLayout';
import type { Graph, StepState } from '../lib/types';

type StepNodeData = {
  name: string;
  state: StepState;
  attempts: number;
  selected: boolean;
  /** "17/20": items or child steps done, for for_each and workflow steps. */
  progress?: string | null;
  /** The first line of a failed step's error, shown on its badge's hover. */
  error: string | null;
};
type StepNodeType = Node<StepNodeData, 'step'>;

const StepNode = memo(function StepNode({ id, data }: NodeProps<StepNodeType>) {
  return (
    <div
      className={`step-node state-${data.state}${data.selected ? ' is-selected' : ''}`}
      data-testid={`step-${id}`}
      data-state={data.state}
      title={data.error ? `${data.name} (${id}) failed: ${data.error}` : `${data.name} (${id}): ${data.state}`}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      {data.error && (
        <span className="step-node-error-badge" title={data.error} data-testid={`step-error-badge-${id}`}>
          <Icon name="warning" size={12} />
        </span>
      )}
      <div className="step-node-name">{data.name}</div>
      <div className="step-node-meta">
        <span className="step-node-state">{data.state}</span>
        {data.attempts > 1 && <span className="step-node-attempt">attempt {data.attempts}</span>}
        {data.progress && (
          <span className="step-node-progress" data-testid={`step-progress-${id}`}>
            {data.progress}
          </span>
        )}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

// Stable object: React Flow warns when nodeTypes changes between renders.
const nodeTypes = { step: StepNode };

// Past this many steps only the nodes and edges in view are in the DOM, and the graph opens at its first
// steps at a readable zoom instead of fitting all of them (the timeline windows past the same count).
export const LARGE_RUN_GRAPH = 200;
const LARGE_GRAPH_ZOOM = 0.8;
const VIEW_PADDING = 16;
// The size .step-node is drawn at (styles.css), known before React Flow measures a node: it decides which
// nodes are in view, and where edges of nodes never drawn end.
const NODE_WIDTH = 170;
const NODE_HEIGHT = 55;
const NODE_HANDLES: NonNullable<Node['handles']> = [
  { type: 'target', position: Position.Left, x: 0, y: NODE_HEIGHT / 2, width: 1, height: 1 },
  { type: 'source', position: Position.Right, x: NODE_WIDTH, y: NODE_HEIGHT / 2, width: 1, height: 1 },
];

interface Props {
  graph: Graph;
  stateOf: (stepId: string) => StepState;
  attemptsOf: (stepId: string) => number;
  errorOf?: (stepId: string) => string | null;
  selected: string | null;
  onSelect: (stepId: string) => void;
  progressOf?: (stepId: string) => string | null;
}

function sameNodeData(a: StepNodeData, b: StepNodeData): boolean {
  return (
    a.name === b.name &&
    a.state === b.state &&
    a.attempts === b.attempts &&
    a.selected === b.selected &&
    a.progress === b.progress &&
    a.error === b.error
  );
}

/** Read-only graph of the run's steps, coloured by state. */
export function RunGraph({ graph, stateOf, attemptsOf, errorOf, selected, onSelect, progressOf }: Props) {
  const layout = useMemo(() => layoutGraph(graph), [graph]);
  const large = layout.length > LARGE_RUN_GRAPH;
  const theme = useTheme();
  const flow = useRef<ReactFlowInstance<StepNodeType> | null>(null);

  const fresh = useMemo(
    () =>
      layout.map((s): StepNodeType => ({
        id: s.id,
        type: 'step',
        position: { x: s.x, y: s.y },
        initialWidth: NODE_WIDTH,
        initialHeight: NODE_HEIGHT,
        handles: NODE_HANDLES,
        data: {
          name: s.name,
          state: stateOf(s.id),
          attempts: attemptsOf(s.id),
          selected: selected === s.id,
          error: errorOf?.(s.id) ?? null,
          progress: progressOf?.(s.id) ?? null,
        },
        draggable: false,
        connectable: false,
        selectable: true,
      })),
    [layout, stateOf, attemptsOf, errorOf, progressOf, selected],
  );

  // React Flow keeps each node's measured size on the node object and re-reads only the objects that
  // changed: a live update replaces the nodes whose state moved and keeps every other object as it is.
  const [nodes, setNodes, onNodesChange] = useNodesState<StepNodeType>([]);
  useEffect(() => {
    setNodes((previous) => {
      const byId = new Map(previous.map((n) => [n.id, n]));
      let changed = previous.length !== fresh.length;
      const next = fresh.map((n, index) => {
        const old = byId.get(n.id);
        if (
          old &&
          old.position.x === n.position.x &&
          old.position.y === n.position.y &&
          sameNodeData(old.data, n.data)
        ) {
          if (previous[index] !== old) changed = true;
          return old;
        }
        changed = true;
        // A size given before React Flow measures the node lets it fit the view (its fitView waits for every
        // node to have one) while most nodes of a large graph are never drawn.
        return old ? { ...old, ...n } : { ...n, measured: { width: NODE_WIDTH, height: NODE_HEIGHT } };
      });
      return changed ? next : previous;
    });
  }, [fresh, setNodes]);

  const known = useMemo(() => new Set(layout.map((s) => s.id)), [layout]);
  const drawn = useMemo(
    () => (graph.edges ?? []).filter((e) => known.has(e.source) && known.has(e.target)),
    [graph, known],
  );
  const activeTargets = drawn
    .map((e) => {
      const target = stateOf(e.target);
      return target === 'running' || target === 'queued' ? '1' : '0';
    })
    .join('');
  const edges: Edge[] = useMemo(
    () =>
      drawn.map((e, index) => {
        const active = activeTargets[index] === '1';
        return {
          id: `${e.source}->${e.target}`,
          source: e.source,
          target: e.target,
          animated: active,
          className: active ? 'edge-active' : undefined,
          markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
          selectable: false,
          focusable: false,
        };
      }),
    [drawn, activeTargets],
  );

  // A step selected elsewhere (its timeline lane, ?step=) is brought into view when it is not in it.
  const pane = useRef<HTMLDivElement | null>(null);
  const bringIntoView = useCallback(
    (stepId: string | null) => {
      const instance = flow.current;
      const step = stepId ? layout.find((s) => s.id === stepId) : undefined;
      const box = pane.current?.getBoundingClientRect();
      if (!instance || !step || !box) return;
      const topLeft = instance.flowToScreenPosition({ x: step.x, y: step.y });
      const bottomRight = instance.flowToScreenPosition({ x: step.x + NODE_WIDTH, y: step.y + NODE_HEIGHT });
      const inView =
        topLeft.x >= box.left && bottomRight.x <= box.right && topLeft.y >= box.top && bottomRight.y <= box.bottom;
      if (inView) return;
      void instance.setCenter(step.x + NODE_WIDTH / 2, step.y + NODE_HEIGHT / 2, {
        zoom: Math.max(instance.getZoom(), large ? LARGE_GRAPH_ZOOM : 0),
      });
    },
    [layout, large],
  );
  useEffect(() => bringIntoView(selected), [bringIntoView, selected]);

  return (
    <div className="run-graph" data-testid="run-graph" data-steps={layout.length} ref={pane}>
      <ReactFlow
        nodes={nodes}
        onNodesChange={onNodesChange}
        edges={edges}
        nodeTypes={nodeTypes}
        onInit={(instance) => {
          flow.current = instance;
          if (large) bringIntoView(selected);
        }}
        onNodeClick={(_, node) => onSelect(node.id)}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        zoomOnScroll={false}
        preventScrolling={false}
        onlyRenderVisibleElements={large}
        fitView={!large}
        fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
        defaultViewport={large ? topLeftViewport(layout, LARGE_GRAPH_ZOOM, VIEW_PADDING) : undefined}
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        colorMode={theme}
      >
        <Background gap={16} color="var(--canvas-dots)" />
        <Controls showInteractive={false} />
        {large && (
          <Panel position="top-right" className="run-graph-note muted small" data-testid="run-graph-large">
            {layout.length} steps: only those in view are drawn. Drag to pan; selecting a lane brings its step into
            view.
          </Panel>
        )}
      </ReactFlow>
    </div>
  );
}
