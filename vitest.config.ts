import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000, // integration tests run CLI processes, workers and Chromium on two shared cores; each waits for its events with its own bound
    hookTimeout: 60_000,
    // Browser and CLI tests start real processes; two cores are enough for two at a time.
    maxWorkers: 2,
  },
});
