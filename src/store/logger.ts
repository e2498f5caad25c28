// How every part of store/ reports what it did: one small interface, message
// first, so a line reads the same whether it reaches the mock's JSON log
// (runtime.ts adapts pino to it) or the console (a library user, a test).
// Fields are structured context (a seq, an error), never part of the text.

export interface StoreLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const withFields = (message: string, fields?: Record<string, unknown>): unknown[] =>
  fields === undefined ? [`togai-mock: ${message}`] : [`togai-mock: ${message}`, fields];

/** The console, for parts used without a runtime (the library, benchmarks). */
export const consoleLogger: StoreLogger = {
  info: (message, fields) => console.info(...withFields(message, fields)),
  warn: (message, fields) => console.warn(...withFields(message, fields)),
  error: (message, fields) => console.error(...withFields(message, fields)),
};

/** Says nothing (tests that assert on state, not on lines). */
export const silentLogger: StoreLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
