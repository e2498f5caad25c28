import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  // The README's examples import the package by name; in this repo that is src/.
  resolve: {
    alias: [
      {
        find: /^togai-mock\/testcontainers$/,
        replacement: fileURLToPath(new URL('./src/testcontainers.ts', import.meta.url)),
      },
      { find: /^togai-mock$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files start their own servers on ephemeral ports; no shared state.
    isolate: true,
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/docker/**'] },
      },
      // Against a real Docker engine: the image is built once for all these files (and only
      // when one of them runs), then removed; they skip loudly where no engine is reachable.
      {
        extends: true,
        test: {
          name: 'docker',
          include: ['test/docker/**/*.test.ts'],
          globalSetup: ['test/docker/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
