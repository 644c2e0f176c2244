import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { EditorNoteNode } from '../notes/NoteNode';
import type { BlockNodeType, StepNodeType } from './model';

export const EditorStepNode = memo(function EditorStepNode({ id, data, selected }: NodeProps<StepNodeType>) {
  const { step, errors, unknownFunction } = data;
  const problems = unknownFunction ? [`function ${step.function} is not registered`, ...errors] : errors;
  const what =
    step.kind === 'function'
      ? (step.function ?? '?')
      : step.kind === 'workflow'
        ? `campaign ${typeof step.campaign === 'object' && step.campaign ? step.campaign.name : (step.campaign ?? '?')}${step.version ? ` v${step.version}` : ''}`
        : ((step.argv ?? [])[0] ?? 'executable');
  return (
    <div
      className={`editor-node kind-${step.kind}${selected ? ' is-selected' : ''}${problems.length ? ' has-error' : ''}`}
      data-testid={`editor-step-${id}`}
      data-selected={selected ? 'true' : 'false'}
      data-error={problems.length ? 'true' : 'false'}
      title={problems.length ? problems.join('\n') : `${step.name} (${id})`}
    >
      <Handle type="target" position={Position.Left} data-testid={`handle-in-${id}`} />
      <div className="editor-node-name">{step.name || id}</div>
      <div className="editor-node-meta">
        <span className="editor-node-kind">
          {step.kind === 'function' ? 'ƒ' : step.kind === 'workflow' ? '⧉' : '$'}
        </span>{' '}
        {what}
        {!!step.retries && (
          <span className="editor-node-badge" title="retries">
            ↻{step.retries}
          </span>
        )}
        {step.resources?.gpus ? <span className="editor-node-badge">GPU×{step.resources.gpus}</span> : null}
      </div>
      {problems.length > 0 && (
        <div className="editor-node-error" data-testid={`step-error-${id}`}>
          {problems[0]}
        </div>
      )}
      <Handle type="source" position={Position.Right} data-testid={`handle-out-${id}`} />
    </div>
  );
});

export const EditorBlockNode = memo(function EditorBlockNode({ id, data, selected }: NodeProps<BlockNodeType>) {
  return (
    <div
      className={`editor-block depth-${Math.min(data.depth, 3)}${selected ? ' is-selected' : ''}`}
      data-testid={`editor-${id.replace(':', '-')}`}
    >
      <Handle
        type="target"
        position={Position.Left}
        className="block-handle"
        data-testid={`handle-in-block-${data.blockId}`}
      />
      <div className="editor-block-name">{data.name}</div>
      <Handle
        type="source"
        position={Position.Right}
        className="block-handle"
        data-testid={`handle-out-block-${data.blockId}`}
      />
    </div>
  );
});

export const editorNodeTypes = { step: EditorStepNode, block: EditorBlockNode, note: EditorNoteNode };
