import { createContext, memo, useContext, useEffect, useRef, useState } from 'react';
import { NodeResizer, type Node, type NodeProps } from '@xyflow/react';
import { Icon } from '../../components/Icon';
import { MAX_NOTE_CHARS, NOTE_COLORS, NOTE_MAX_SIZE, NOTE_MIN_SIZE, type StickyNote } from '../lib/notes';
import { Markdown } from './markdown';
import './notes.css';

export type NoteNodeData = { note: StickyNote };
export type NoteNodeType = Node<NoteNodeData, 'note'>;

export interface NoteActions {
  onText: (id: string, text: string) => void;
  onChange: (id: string, patch: Partial<Omit<StickyNote, 'id' | 'text'>>) => void;
  onDelete: (id: string) => void;
  /** A note to open for typing as soon as it shows (one just added). */
  editRequest: string | null;
  readOnly: boolean;
}

export const NoteActionsContext = createContext<NoteActions | null>(null);

export const EditorNoteNode = memo(function EditorNoteNode({ data, selected }: NodeProps<NoteNodeType>) {
  const { note } = data;
  const actions = useContext(NoteActionsContext);
  const [editing, setEditing] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const readOnly = !actions || actions.readOnly;
  const requested = actions?.editRequest === note.id;
  useEffect(() => {
    if (requested && !readOnly) setEditing(true);
  }, [requested, readOnly]);
  useEffect(() => {
    if (editing) area.current?.focus();
  }, [editing]);
  const testId = `editor-note-${note.id}`;
  return (
    <div
      className={`editor-note note-${note.color ?? 'yellow'}${selected ? ' is-selected' : ''}`}
      data-testid={testId}
      data-selected={selected ? 'true' : 'false'}
      onDoubleClick={() => !readOnly && setEditing(true)}
    >
      {!readOnly && (
        <NodeResizer
          isVisible={selected && !editing}
          minWidth={NOTE_MIN_SIZE}
          minHeight={NOTE_MIN_SIZE}
          maxWidth={NOTE_MAX_SIZE}
          maxHeight={NOTE_MAX_SIZE}
          lineClassName="note-resize-line"
          handleClassName="note-resize-handle"
          onResizeEnd={(_e, p) => actions?.onChange(note.id, { x: p.x, y: p.y, width: p.width, height: p.height })}
        />
      )}
      {selected && !readOnly && (
        <div className="editor-note-tools nodrag" data-testid={`${testId}-tools`}>
          {NOTE_COLORS.map((c) => (
            <button
              key={c}
              type="button"
              className={`note-swatch note-${c}${(note.color ?? 'yellow') === c ? ' is-current' : ''}`}
              title={`Colour: ${c}`}
              aria-label={`Colour ${c}`}
              data-testid={`${testId}-color-${c}`}
              onClick={() => actions?.onChange(note.id, { color: c })}
            />
          ))}
          <button
            type="button"
            className="btn btn-small btn-ghost note-delete"
            title="Delete this note"
            aria-label="Delete note"
            data-testid={`${testId}-delete`}
            onClick={() => actions?.onDelete(note.id)}
          >
            <Icon name="trash" size={12} />
          </button>
        </div>
      )}
      {editing ? (
        <textarea
          ref={area}
          className="editor-note-input nodrag nowheel nopan"
          value={note.text}
          maxLength={MAX_NOTE_CHARS}
          placeholder="Write markdown: # heading, **bold**, - list, [link](https://…)"
          aria-label="Note text"
          data-testid={`${testId}-input`}
          onChange={(e) => actions?.onText(note.id, e.target.value)}
          onBlur={() => setEditing(false)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              setEditing(false);
            }
          }}
        />
      ) : (
        <div className="editor-note-body" data-testid={`${testId}-body`} title="Double-click to edit">
          {note.text.trim() ? (
            <Markdown source={note.text} />
          ) : (
            <span className="muted">{readOnly ? '' : 'Double-click to write a note'}</span>
          )}
        </div>
      )}
    </div>
  );
});
