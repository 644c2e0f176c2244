import { useContext, useEffect } from 'react';
import { UNSAFE_DataRouterContext, useBlocker } from 'react-router-dom';

const MESSAGE = 'This campaign has unsaved changes. Leave and lose them?';

function useRouterBlock(when: boolean) {
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => when && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    if (window.confirm(MESSAGE)) blocker.proceed();
    else blocker.reset();
  }, [blocker]);
}

function noRouterBlock() {}

/** Ask before leaving the page (reload, close, or an in-app link) while `when` holds. */
export function useUnsavedGuard(when: boolean): void {
  useEffect(() => {
    if (!when) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = MESSAGE;
      return MESSAGE;
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [when]);
  // useBlocker needs a data router; under a plain <MemoryRouter> (unit tests) only the unload guard applies.
  const hasDataRouter = useContext(UNSAFE_DataRouterContext) != null;
  const block = hasDataRouter ? useRouterBlock : noRouterBlock;
  block(when);
}
