import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The README's library example imports the package by name; in this repo that is src/.
  resolve: { alias: { 'togai-mock': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files start their own servers on ephemeral ports; no shared state.
    isolate: true,
  },
});
