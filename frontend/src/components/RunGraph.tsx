import { memo, useEffect, useMemo } from 'react';
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  useNodesState,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useTheme } from '../hooks';
import { Icon } from './Icon';
import { layoutGraph } from '../lib/graphLayout';
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

interface Props {
  graph: Graph;
  stateOf: (stepId: string) => StepState;
  attemptsOf: (stepId: string) => number;
  errorOf?: (stepId: string) => string | null;
  selected: string | null;
  onSelect: (stepId: string) => void;
  progressOf?: (stepId: string) => string | null;
}

/** Read-only graph of the run's steps, coloured by state. */
export function RunGraph({ graph, stateOf, attemptsOf, errorOf, selected, onSelect, progressOf }: Props) {
  const layout = useMemo(() => layoutGraph(graph), [graph]);
  const theme = useTheme();

  const fresh: StepNodeType[] = layout.map((s) => ({
    id: s.id,
    type: 'step',
    position: { x: s.x, y: s.y },
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
  }));

  // React Flow keeps each node's measured size on the node object and hides
  // nodes it has not measured; merging into the previous objects keeps the
  // measurements when only the states change.
  const [nodes, setNodes, onNodesChange] = useNodesState<StepNodeType>([]);
  useEffect(() => {
    setNodes((previous) => {
      const byId = new Map(previous.map((n) => [n.id, n]));
      return fresh.map((n) => ({ ...byId.get(n.id), ...n }));
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [JSON.stringify(fresh.map((n) => [n.id, n.position, n.data]))]);

  const known = new Set(layout.map((s) => s.id));
  const edges: Edge[] = (graph.edges ?? [])
    .filter((e) => known.has(e.source) && known.has(e.target))
    .map((e) => {
      const target = stateOf(e.target);
      const active = target === 'running' || target === 'queued';
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
    });

  return (
    <div className="run-graph" data-testid="run-graph">
      <ReactFlow
        nodes={nodes}
        onNodesChange={onNodesChange}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodeClick={(_, node) => onSelect(node.id)}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        zoomOnScroll={false}
        preventScrolling={false}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        colorMode={theme}
      >
        <Background gap={16} color="var(--canvas-dots)" />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
