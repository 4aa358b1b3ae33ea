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
  const { query, style } = selectorEngines(document);
  for (const engine of [query, style]) {
    for (const name of ["matchLambdas", "selectLambdas", "matchResolvers", "selectResolvers"]) {
      const cache = engine?.[name];
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

type Engine = Record<string, unknown>;

/**
 * jsdom's nwsapi engines of ``document`` (made on first use): ``query`` for querySelector and matches, ``style`` for
 * matching the style rules in getComputedStyle.
 */
export function selectorEngines(document: Document): { query?: Engine; style?: Engine } {
  document.defaultView?.getComputedStyle(document.documentElement);
  document.documentElement.matches("*");
  const implSymbol = Object.getOwnPropertySymbols(document).find((symbol) => symbol.description === "impl");
  const impl = implSymbol ? (document as unknown as Record<symbol, Engine | undefined>)[implSymbol] : undefined;
  const engine = (value: unknown) => (typeof value === "object" && value !== null ? (value as Engine) : undefined);
  return { query: engine(impl?._nwsapi), style: engine(impl?._nwsapiDontThrow) };
}

/**
 * The classes an element must have for ``selector`` to match it: for each selector of the list, the classes of its
 * subject (the compound after the last combinator) outside functional pseudo-classes and attribute tests; ``null``
 * when a selector of the list names none (or has quotes or escapes, which this does not read).
 */
export function subjectClasses(selector: string): string[][] | null {
  if (/["'\\]/.test(selector)) return null;
  const list: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i += 1) {
    const c = selector[i];
    if (c === "(" || c === "[") depth += 1;
    else if (c === ")" || c === "]") depth -= 1;
    else if (c === "," && depth === 0) {
      list.push(selector.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) return null;
  }
  if (depth !== 0) return null;
  list.push(selector.slice(start));
  const required: string[][] = [];
  for (const complex of list) {
    const text = complex.trim();
    let subject = 0;
    depth = 0;
    for (let i = 0; i < text.length; i += 1) {
      const c = text[i];
      if (c === "(" || c === "[") depth += 1;
      else if (c === ")" || c === "]") depth -= 1;
      else if (depth === 0 && /[\s>+~]/.test(c ?? "")) subject = i + 1;
    }
    const compound = text.slice(subject);
    const classes: string[] = [];
    depth = 0;
    for (let i = 0; i < compound.length; i += 1) {
      const c = compound[i];
      if (c === "(" || c === "[") depth += 1;
      else if (c === ")" || c === "]") depth -= 1;
      else if (c === "." && depth === 0) {
        const name = /^[-\w\u00a0-\uffff]+/.exec(compound.slice(i + 1))?.[0];
        if (name) classes.push(name);
      }
    }
    if (!classes.length) return null;
    required.push(classes);
  }
  return required;
}

/**
 * Makes jsdom's matching of style rules (getComputedStyle) skip a rule whose every selector needs a class the element
 * lacks, as browsers do, before asking nwsapi: most of Ant Design's thousand rules name a class of one component. The
 * answer is the same (a selector cannot match an element without its subject's classes); only standards mode (in
 * quirks mode classes match without regard to case).
 */
export function skipRulesByClass(document: Document): void {
  if (document.compatMode !== "CSS1Compat") return;
  const engine = selectorEngines(document).style;
  const match = engine?.match;
  if (!engine || typeof match !== "function") return;
  const known = new Map<string, string[][] | null>();
  const classLists = new Map<string, Set<string>>(); // a class attribute's classes
  engine.unskippedMatch = match; // nwsapi's own, for a test that compares
  engine.match = function (this: unknown, selector: string, element: Element, ...rest: unknown[]) {
    if (typeof selector !== "string") return match.call(this, selector, element, ...rest); // a rule without one
    let required = known.get(selector);
    if (required === undefined) {
      required = subjectClasses(selector);
      known.set(selector, required);
    }
    if (required && typeof element?.getAttribute === "function") {
      const attribute = element.getAttribute("class") ?? "";
      let classes = classLists.get(attribute);
      if (!classes) {
        classes = new Set(attribute.split(/[\t\n\f\r ]+/));
        classLists.set(attribute, classes);
      }
      const has = classes;
      if (required.every((names) => names.some((name) => !has.has(name)))) return false;
    }
    return match.call(this, selector, element, ...rest);
  };
}
