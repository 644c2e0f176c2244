import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { nextEnabled, placeInViewport, type MenuItem } from './menuItems';

interface Props {
  /** Screen (client) coordinates of the right-click. */
  at: { x: number; y: number };
  items: MenuItem[];
  onChoose: (item: MenuItem) => void;
  onClose: () => void;
}

/** A right-click menu: arrow keys move, Enter chooses, Escape or a click elsewhere closes it. */
export function ContextMenu({ at, items, onChoose, onClose }: Props) {
  const menu = useRef<HTMLDivElement>(null);
  const [place, setPlace] = useState(at);
  const [active, setActive] = useState(() => nextEnabled(items, -1, 1));

  useLayoutEffect(() => {
    const box = menu.current?.getBoundingClientRect();
    if (!box) return;
    setPlace(
      placeInViewport(
        at,
        { width: box.width, height: box.height },
        { width: window.innerWidth, height: window.innerHeight },
      ),
    );
  }, [at]);

  useEffect(() => {
    menu.current?.querySelectorAll<HTMLElement>('[role=menuitem]')[active]?.focus();
  }, [active]);

  useEffect(() => {
    const outside = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node)) onClose();
    };
    window.addEventListener('mousedown', outside, true);
    window.addEventListener('blur', onClose);
    return () => {
      window.removeEventListener('mousedown', outside, true);
      window.removeEventListener('blur', onClose);
    };
  }, [onClose]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') onClose();
    else if (e.key === 'ArrowDown') setActive((i) => nextEnabled(items, i, 1));
    else if (e.key === 'ArrowUp') setActive((i) => nextEnabled(items, i, -1));
    else if (e.key === 'Home') setActive(nextEnabled(items, -1, 1));
    else if (e.key === 'End') setActive(nextEnabled(items, items.length, -1));
    else if (e.key === 'Tab') onClose();
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  return (
    <div
      ref={menu}
      className="context-menu card"
      role="menu"
      data-testid="context-menu"
      style={{ left: place.x, top: place.y }}
      onKeyDown={onKeyDown}
      onContextMenu={(e) => e.preventDefault()}
    >
      {items.map((item, i) =>
        item.href && !item.disabled ? (
          <Link
            key={item.action}
            to={item.href}
            role="menuitem"
            tabIndex={i === active ? 0 : -1}
            className="context-menu-item"
            data-testid={`menu-${item.action}`}
            onClick={onClose}
          >
            {item.label}
          </Link>
        ) : (
          <button
            key={item.action}
            type="button"
            role="menuitem"
            tabIndex={i === active ? 0 : -1}
            className="context-menu-item"
            data-testid={`menu-${item.action}`}
            disabled={item.disabled}
            title={item.hint}
            onClick={() => {
              onChoose(item);
              onClose();
            }}
          >
            {item.label}
            {item.hint && <span className="muted context-menu-hint">{item.hint}</span>}
          </button>
        ),
      )}
    </div>
  );
}
