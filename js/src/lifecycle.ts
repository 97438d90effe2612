/**
 * The page events the recorder listens to once consent is granted: the page
 * being hidden or unloaded (send what is left) and uncaught errors (the
 * on-trigger mode's automatic trigger). Each function returns the function
 * that removes what it added.
 *
 * @packageDocumentation
 */

/** The part of `EventTarget` used here. */
export interface Listenable {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

/** Where the listeners go; the browser's `window` and `document` by default. */
export interface PageTargets {
  /** `window`: `pagehide`, `error`, `unhandledrejection`. */
  readonly window: Listenable;
  /** `document`: `visibilitychange` (and its `visibilityState`). */
  readonly document: Listenable & { readonly visibilityState?: string };
}

/** `window` and `document`, or `undefined` outside a browser. */
export function browserTargets(): PageTargets | undefined {
  const g = globalThis as { window?: Listenable; document?: PageTargets['document'] };
  return g.window && g.document ? { window: g.window, document: g.document } : undefined;
}

/**
 * Calls `onExit` when the page is hidden (`visibilitychange` to `hidden`:
 * tab switched, app backgrounded, often the last event a mobile page gets)
 * and on `pagehide` (navigation, close, bfcache).
 */
export function listenExit(targets: PageTargets, onExit: () => void): () => void {
  const onVisibility = (): void => {
    if (targets.document.visibilityState === 'hidden') onExit();
  };
  const onPageHide = (): void => onExit();
  targets.document.addEventListener('visibilitychange', onVisibility);
  targets.window.addEventListener('pagehide', onPageHide);
  return () => {
    targets.document.removeEventListener('visibilitychange', onVisibility);
    targets.window.removeEventListener('pagehide', onPageHide);
  };
}

/**
 * Calls `onError` on the page's uncaught errors (`error`) and unhandled
 * rejections, with a reason naming the kind and only the error's type
 * (`"uncaught error: TypeError"`, `"unhandled rejection"`): never its
 * message, which may hold anything.
 */
export function listenErrors(targets: PageTargets, onError: (reason: string) => void): () => void {
  const onUncaught = (event: Event): void => onError(errorReason('uncaught error', (event as ErrorEvent).error));
  const onRejection = (event: Event): void =>
    onError(errorReason('unhandled rejection', (event as PromiseRejectionEvent).reason));
  targets.window.addEventListener('error', onUncaught);
  targets.window.addEventListener('unhandledrejection', onRejection);
  return () => {
    targets.window.removeEventListener('error', onUncaught);
    targets.window.removeEventListener('unhandledrejection', onRejection);
  };
}

/** `kind`, with the type of `thrown` when it is an `Error` (its `name`, never its message). */
export function errorReason(kind: string, thrown: unknown): string {
  try {
    if (thrown instanceof Error) {
      const name = thrown.name;
      if (typeof name === 'string' && name !== '') return `${kind}: ${name.slice(0, 100)}`;
    }
  } catch {
    // A hostile getter: the kind alone.
  }
  return kind;
}
