import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/__tests__/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    // Training tests run real (tiny) optimisation loops on the cpu backend of a shared 2-core
    // machine: seconds each, more under load.
    testTimeout: 300_000,
  },
});
