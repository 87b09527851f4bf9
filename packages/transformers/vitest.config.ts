import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/__tests__/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    // libtensorflow's INFO lines (oneDNN, absl) would flood the report.
    env: { TF_CPP_MIN_LOG_LEVEL: '2' },
  },
});
