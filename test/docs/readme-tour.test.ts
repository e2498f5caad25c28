// The README's curl tour must work verbatim: this runs its shell block with
// bash and curl against a fresh mock (only the base URL is swapped for the
// test's ephemeral port) and checks what each command printed.
// test/docker/scenarios.test.ts runs the same tour against the Docker image.
import { describe, expect, it } from 'vitest';
import { startTestMock } from '../helpers/mock.js';
import { hasCurl, runTour } from './tour.js';

if (!hasCurl) console.warn('SKIPPED: the README tour test needs curl on PATH, and this machine has none.');

describe.skipIf(!hasCurl)('README tour', async () => {
  const mock = await startTestMock();
  it('runs command by command with the documented results', async () => {
    await runTour(mock.url);
    // The last command reset the mock.
    expect(mock.runtime.store.keys()).toEqual([]);
  });
});
