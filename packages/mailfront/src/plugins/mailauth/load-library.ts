/**
 * The mailauth library, loaded on first use (see library.ts). The module
 * system loads it once per process; it holds nothing of any session.
 */
export type Library = typeof import('./library.js');

export const loadLibrary = (): Promise<Library> => import('./library.js');
