import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/__tests__/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    // libtensorflow's INFO lines (oneDNN, absl) would flood the report.
    env: { TF_CPP_MIN_LOG_LEVEL: '2' },
    // Model loads and real-weight forwards on 2 shared cores can exceed vitest's 5 s default.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
