/**
 * jsdom's getComputedStyle (behind every ``*ByRole`` query, ``toBeVisible``, user-event's pointer-events check and
 * axe) matches the element against every style rule of the document with nwsapi, which keeps only the last 1000
 * compiled selectors (a least-recently-used cache). Ant Design's CSS-in-JS puts more rules than that in a page: each
 * pass over the rules then evicts what the next pass needs, and every selector is compiled again on every call
 * (seconds per role query over a table; 10× slower than with the cache).
 *
 * ``keepCompiledSelectors(document)`` keeps them all (as many as the page has rules and queries): the same compiled
 * selectors, so the same answers. It reaches into jsdom's document (its two nwsapi engines, made on first use); if a
 * jsdom version no longer has them, nothing changes but the speed.
 */
export function keepCompiledSelectors(document: Document): void {
  for (const engine of selectorEngines(document)) {
    for (const name of ["matchLambdas", "selectLambdas", "matchResolvers", "selectResolvers"]) {
      const cache = engine[name];
      if (!cache || typeof cache !== "object") continue;
      const kept = new Map<string, unknown>();
      Object.assign(cache, {
        clear: () => kept.clear(),
        get: (key: string) => kept.get(key),
        has: (key: string) => kept.has(key),
        set: (key: string, value: unknown) => (kept.set(key, value), value),
        size: () => kept.size,
      });
    }
  }
}

/** jsdom's nwsapi engines of ``document``: one for querySelector and matches, one for the style rules' matching. */
export function selectorEngines(document: Document): Record<string, unknown>[] {
  document.defaultView?.getComputedStyle(document.documentElement); // makes the style rules' engine
  document.documentElement.matches("*"); // and the other
  const implSymbol = Object.getOwnPropertySymbols(document).find((symbol) => symbol.description === "impl");
  const impl = implSymbol ? (document as unknown as Record<symbol, Record<string, unknown> | undefined>)[implSymbol] : undefined;
  return [impl?._nwsapi, impl?._nwsapiDontThrow].filter(
    (engine): engine is Record<string, unknown> => typeof engine === "object" && engine !== null);
}
