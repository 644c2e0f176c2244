import { useCallback, type RefObject } from 'react';
import {
  getBezierPath,
  type Connection,
  type ConnectionLineComponentProps,
  type Edge,
  type OnConnectEnd,
} from '@xyflow/react';
import type { EditorDoc } from '../lib/doc';
import { connect } from '../lib/ops';
import type { EditOptions } from '../useEditorDoc';
import { blockIdOf, isBlockNode, type EditorNode } from './model';

const connectionEnd = (id: string) => (isBlockNode(id) ? blockIdOf(id) : id);

interface Options {
  docRef: RefObject<EditorDoc>;
  edit: (change: (doc: EditorDoc) => EditorDoc, options?: EditOptions) => void;
  onMessage: (text: string, tone?: 'error' | 'info') => void;
  wrapper: RefObject<HTMLDivElement | null>;
}

/** Drawing an edge: the rule that refuses one, asked while it is dragged, and the line that shows the answer. */
export function useConnections({ docRef, edit, onMessage, wrapper }: Options) {
  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target) return;
      const result = connect(docRef.current, connectionEnd(c.source), connectionEnd(c.target));
      if (result.error) onMessage(result.error, 'error');
      else edit(() => result.doc);
    },
    [docRef, edit, onMessage],
  );

  // The same rule as the drop, asked while the edge is still being dragged, so a refusal shows before you let go.
  const connectionError = useCallback(
    (source: string, target: string) =>
      connect(docRef.current, connectionEnd(source), connectionEnd(target)).error ?? null,
    [docRef],
  );
  const isValidConnection = useCallback(
    (c: Edge | Connection) => !!c.source && !!c.target && !connectionError(c.source, c.target),
    [connectionError],
  );
  const ConnectionLine = useCallback(
    ({
      fromX,
      fromY,
      toX,
      toY,
      fromPosition,
      toPosition,
      fromNode,
      fromHandle,
      toNode,
      connectionStatus,
    }: ConnectionLineComponentProps<EditorNode>) => {
      const [path] = getBezierPath({
        sourceX: fromX,
        sourceY: fromY,
        sourcePosition: fromPosition,
        targetX: toX,
        targetY: toY,
        targetPosition: toPosition,
      });
      const fromSource = fromHandle.type === 'source';
      const reason =
        toNode && connectionStatus === 'invalid'
          ? connectionError(fromSource ? fromNode.id : toNode.id, fromSource ? toNode.id : fromNode.id)
          : null;
      return (
        <g
          className={`connection-line${reason ? ' is-refused' : ''}`}
          data-testid="connection-line"
          data-status={connectionStatus ?? ''}
        >
          <path
            d={path}
            fill="none"
            strokeWidth={2}
            stroke={reason ? 'var(--danger)' : connectionStatus === 'valid' ? 'var(--st-succeeded)' : 'var(--primary)'}
          />
          {reason && (
            <text x={toX + 14} y={toY - 14} className="connection-reason" data-testid="connection-reason">
              {reason}
            </text>
          )}
        </g>
      );
    },
    [connectionError],
  );
  const onConnectStart = useCallback(() => wrapper.current?.classList.add('is-connecting'), [wrapper]);
  const onConnectEnd = useCallback<OnConnectEnd>(
    (_event, state) => {
      wrapper.current?.classList.remove('is-connecting');
      if (state.isValid !== false || !state.fromNode || !state.toNode || !state.fromHandle) return;
      const fromSource = state.fromHandle.type === 'source';
      const reason = connectionError(
        fromSource ? state.fromNode.id : state.toNode.id,
        fromSource ? state.toNode.id : state.fromNode.id,
      );
      if (reason) onMessage(reason, 'error');
    },
    [connectionError, onMessage, wrapper],
  );

  return { onConnect, isValidConnection, ConnectionLine, onConnectStart, onConnectEnd };
}
