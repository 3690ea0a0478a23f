/**
 * Imported first by run.ts, before anything loads the Powertools logger (crypto-bench.ts does, at import).
 * The logger takes its level from POWERTOOLS_LOG_LEVEL when it is made, and the handlers' middleware puts it
 * back to that level on every warm invocation: the local stack's `logLevel` option, which only sets the
 * variable when the stack starts, comes too late in this process. Without this, every request timed through
 * the local gateway also writes a "request completed" line to stdout.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
