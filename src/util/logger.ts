import { type RedactionOptions, redactSecrets } from "./redaction.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/**
 * A JSON-lines logger on stderr. The message and fields pass through the same secret redaction as
 * the audit trail (secret-looking keys, bearer tokens, and the configured secret values wherever
 * they appear), so a token handed to a log call never reaches the log.
 */
export function createLogger(
  level: LogLevel = "info",
  base: Record<string, unknown> = {},
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  redaction: RedactionOptions = {},
): Logger {
  const min = ORDER[level];
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    const record = redactSecrets({ msg, ...base, ...fields }, redaction) as Record<string, unknown>;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, ...record }));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, write, redaction),
  };
}

export const silentLogger: Logger = createLogger("silent");
