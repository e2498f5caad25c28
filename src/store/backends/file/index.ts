// The state file backend (TOGAI_MOCK_STATE_FILE): its log on local disk. One
// process holds the file's lock, so the journal and the rate counts are that
// process's own.

import { resolve } from 'node:path';
import { localBackend } from '../local.js';
import type { Backend } from '../types.js';
import { FileLog, type FileLogOptions } from './log.js';

export interface FileBackendOptions extends Pick<FileLogOptions, 'snapshotEveryEntries'> {
  journalLimit: number;
}

export function fileBackend(path: string, options: FileBackendOptions): Backend {
  const { journalLimit, ...log } = options;
  return localBackend(new FileLog(resolve(path), log), journalLimit);
}
