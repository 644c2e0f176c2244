import type { FunctionInfo } from '../lib/types';
import type { EditorDoc } from './lib/doc';
import { renameBlock, ungroup } from './lib/ops';
import type { CanvasErrors } from './lib/serverErrors';
import { ParametersEditor } from './panels/ParametersEditor';
import { StepProperties } from './panels/StepProperties';
import type { Selection } from './canvas/EditorCanvas';
import type { EditOptions } from './useEditorDoc';
import { HidePanelButton } from './HidePanelButton';

export type PanelTab = 'step' | 'parameters' | 'campaign';

interface Props {
  tab: PanelTab;
  onTab: (tab: PanelTab) => void;
  doc: EditorDoc;
  selection: Selection;
  functions: FunctionInfo[];
  errors: CanvasErrors;
  edit: (change: (doc: EditorDoc) => EditorDoc, options?: EditOptions) => void;
  onRenamed: (id: string) => void;
  onCollapse?: () => void;
}

export function SidePanel({ tab, onTab, doc, selection, functions, errors, edit, onRenamed, onCollapse }: Props) {
  const step = selection.steps.length === 1 ? doc.steps.find((s) => s.id === selection.steps[0]) : undefined;
  const block =
    !step && selection.blocks.length === 1 ? doc.blocks.find((b) => b.id === selection.blocks[0]) : undefined;
  const paramErrors = errors.general.filter((m) => m.startsWith('parameters:'));
  const tabButton = (id: PanelTab, label: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={tab === id}
      className={tab === id ? 'active' : ''}
      onClick={() => onTab(id)}
      data-testid={`panel-tab-${id}`}
    >
      {label}
    </button>
  );
  return (
    <aside className="side-panel" data-testid="side-panel">
      <div className="panel-tabs" role="tablist">
        {tabButton('step', 'Properties')}
        {tabButton('parameters', `Parameters (${doc.parameters.length})`)}
        {tabButton('campaign', 'Campaign')}
        {onCollapse && <HidePanelButton side="panel" onHide={onCollapse} />}
      </div>
      <div className="panel-body">
        {tab === 'step' &&
          (step ? (
            <StepProperties
              key={step.id}
              doc={doc}
              step={step}
              functions={functions}
              errors={errors.steps[step.id] ?? []}
              edit={edit}
              onRenamed={onRenamed}
            />
          ) : block ? (
            <div className="props" data-testid="block-properties">
              <label className="pfield">
                <span className="pfield-label">Block name</span>
                <input
                  value={block.name}
                  onChange={(e) =>
                    edit((d) => renameBlock(d, block.id, e.target.value), { coalesce: `block-${block.id}` })
                  }
                  data-testid="block-name"
                />
              </label>
              <p className="muted small">
                {doc.steps.filter((s) => s.block === block.id).length} step(s) directly inside. Drag the block to move
                them together; drag a step out of the box to take it out.
              </p>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => edit((d) => ungroup(d, block.id))}
                data-testid="block-ungroup"
              >
                Ungroup
              </button>
            </div>
          ) : (
            <div className="muted small props-empty" data-testid="properties-empty">
              {selection.steps.length > 1
                ? `${selection.steps.length} steps selected. Group them (Ctrl+G), copy, or delete them.`
                : 'Select a step to edit it. Drag functions from the palette; connect steps by dragging from the right handle of one to the left handle of another.'}
            </div>
          ))}
        {tab === 'parameters' && <ParametersEditor doc={doc} errors={paramErrors} edit={edit} />}
        {tab === 'campaign' && (
          <div className="props">
            <label className="pfield">
              <span className="pfield-label">Name</span>
              <input
                value={doc.name}
                onChange={(e) => edit((d) => ({ ...d, name: e.target.value }), { coalesce: 'name' })}
              />
            </label>
            <label className="pfield">
              <span className="pfield-label">Description</span>
              <textarea
                rows={4}
                value={doc.description}
                onChange={(e) => edit((d) => ({ ...d, description: e.target.value }), { coalesce: 'description' })}
                data-testid="campaign-description"
              />
            </label>
            <p className="muted small">
              {doc.steps.length} steps · {doc.edges.length} connections · {doc.blocks.length} blocks
            </p>
          </div>
        )}
      </div>
    </aside>
  );
}
