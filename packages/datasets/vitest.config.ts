import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/__tests__/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    // Parity suites walk tens of thousands of real lines; on 2 cores shared with the other
    // suites that takes longer than vitest's 5 s default.
    testTimeout: 120_000,
  },
});
