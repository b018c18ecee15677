import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Browser and CLI tests start real processes; two cores are enough for two at a time.
    maxWorkers: 2,
  },
});
