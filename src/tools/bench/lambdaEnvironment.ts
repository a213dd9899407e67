/**
 * glibc allocator settings for processes that decode many different images. glibc keeps freed image
 * buffers in per-thread arenas; capping arenas and trimming early took peak RSS through a burst of the
 * corpus from about 300 MB to about 190 MB, at no measurable cost in speed (npm run bench). The
 * Dockerfile and `npm start` set the same values; test/lambda/bundle.test.ts keeps them in step.
 */
export const MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' } as const;
