// The REST data layer: every read the pages make is a TanStack query under a key from `queryKeys`, and every
// write is a mutation that invalidates the keys it changes. Query functions pass TanStack's AbortSignal to
// fetch, so a request whose answer nobody waits for any more (the page left, the key moved on) is aborted.
export * from './keys';
export * from './reads';
export * from './writes';
