/**
 * The id of this package's build: the SHA-256 of its emitted code, which
 * tools/build-id.mjs writes into dist/build-id.js after tsc. Compiled output
 * cached across processes (the report tables artifact, pledge()'s
 * compiled-filter cache) is keyed by it, so output of other code is never
 * used. `dev` (this source, run without the build step) keys nothing: every
 * cache is bypassed.
 */
export const BUILD_ID: string = 'dev';
