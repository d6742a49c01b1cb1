import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "packages/*/src/**/*.test.ts",
      "services/*/test/**/*.test.ts",
      "services/*/src/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core CI: files that start servers or train models must not all run at once.
    maxWorkers: 2,
  },
});
