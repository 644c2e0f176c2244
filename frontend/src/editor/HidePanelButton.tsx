import { Icon } from '../components/Icon';

/** The button that hides the palette (left) or the properties panel (right); the rail left at that side shows it again. */
export function HidePanelButton({ side, onHide }: { side: 'palette' | 'panel'; onHide: () => void }) {
  const what = side === 'palette' ? 'the palette' : 'the properties panel';
  return (
    <button
      type="button"
      className={`btn btn-small btn-ghost${side === 'panel' ? ' panel-collapse' : ''}`}
      onClick={onHide}
      title={`Hide ${what}`}
      aria-label={`Hide ${what}`}
      data-testid={`${side}-collapse`}
    >
      <Icon name={side === 'palette' ? 'panelLeft' : 'panelRight'} />
    </button>
  );
}
