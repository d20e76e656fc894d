/**
 * One value per process, whichever copy of a module asks. The Remix build
 * (build/index.js) and server.ts each load their own copy of app/*.server.ts,
 * so module state is kept twice; a cache that both the routes (an editor's
 * save) and the handlers ahead of Remix (signing, the count API, cached
 * pages) use must live here to be one cache.
 */
export function sharedState<T>(name: string, create: () => T): T {
  const key = Symbol.for(`sanctuary.${name}`);
  const slots = globalThis as unknown as Record<symbol, T | undefined>;
  return (slots[key] ??= create());
}
