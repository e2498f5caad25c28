// Debian's Chromium for the browser tests (never a downloaded browser), started
// headless with what this machine's closed network needs. Without it the tests
// that use it skip, saying so loudly; .ci/run installs it (and under CI=true no
// skip passes).

import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS: string[] = [
  '--headless',
  '--no-sandbox', // CI runs as root
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // Without these Chromium keeps trying hosts this network refuses.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether Chromium is there; when not, warns that `what` is skipped. */
export function chromiumOrWarn(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  console.warn(
    `\nSKIPPED: ${what}: ${CHROMIUM} is missing. Install it with \`apt-get install -y chromium\` (.ci/run does this).\n`,
  );
  return false;
}
