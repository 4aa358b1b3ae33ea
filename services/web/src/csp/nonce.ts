/**
 * The page's Content-Security-Policy nonce (issue 14 item 5): the gateway makes one for each ``index.html`` answer,
 * puts it in the policy's ``style-src 'nonce-…'`` (no ``'unsafe-inline'``) and in ``<meta name="csp-nonce">``,
 * where the app reads it once at start-up. Ant Design's CSS-in-JS gets it through ``ConfigProvider csp``; the few
 * ``<style>`` elements other libraries make without asking (rc-util's scroll lock and scroll-bar measuring in
 * every Modal and Drawer) get it from {@link nonceStyles}.
 */

/** The nonce in ``doc``'s ``<meta name="csp-nonce">``, or undefined (no meta, or empty: Vite's dev server, tests). */
export function readNonce(doc: Document = document): string | undefined {
  return doc.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content || undefined;
}

/**
 * Gives ``nonce`` to every ``<style>`` element the page's scripts create from now on (``document.createElement``),
 * so a library that inserts one without a nonce option is not refused by the policy. Markup is not affected: a
 * ``<style>`` injected into the page's HTML still has no nonce and is refused. Returns the function that undoes it.
 */
export function nonceStyles(nonce: string, doc: Document = document): () => void {
  const proto = Object.getPrototypeOf(doc) as Document;
  const original = proto.createElement;
  function createElement(this: Document, tagName: string, options?: ElementCreationOptions): HTMLElement {
    const element = original.call(this, tagName, options);
    if (element instanceof HTMLStyleElement) element.nonce = nonce;
    return element;
  }
  proto.createElement = createElement as Document["createElement"];
  return () => {
    proto.createElement = original;
  };
}
