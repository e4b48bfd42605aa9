import { createRequire } from "node:module";
import { type DestinationStream, pino, stdTimeFunctions } from "pino";
import { REDACTED, type RedactionOptions, redactSecrets } from "./redaction.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** The logging surface the project uses: a message, optional structured fields, child loggers. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Secret-looking keys pino censors itself, at the top level and one level down. */
const SECRET_KEYS = [
  "password",
  "pass",
  "secret",
  "token",
  "apiKey",
  "api_key",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "authorization",
  "Authorization",
  "cookie",
  "privateKey",
  "private_key",
  "clientSecret",
  "client_secret",
  "smtpPassword",
  "signingKey",
];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`]);

/**
 * A pino logger: JSON lines on stderr (pretty-printed by `pino-pretty` when stderr is a terminal
 * and the package is installed), at `level`. Two layers keep secrets out: pino's `redact` censors
 * secret-looking keys, and before that the message, the fields and a child's bindings pass through
 * the audit trail's redaction (secret-looking keys at any depth, bearer tokens, and the configured
 * secret values wherever they appear), so a token handed to a log call never reaches the log.
 *
 * `write` receives each line without its newline (tests and embedding applications); by default
 * lines go to stderr synchronously, so a CLI that exits right after logging loses nothing.
 *
 * @example
 * const logger = createLogger("info", { service: "worker" }, undefined, { secretValues: config.secretValues });
 * logger.child({ companyId: "benova" }).warn("retrying", { attempt: 2 });
 */
export function createLogger(
  level: LogLevel = "info",
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
  redaction: RedactionOptions = {},
): Logger {
  const root = pino(
    {
      level,
      base: null,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      // Errors arrive already reduced to a scrubbed { name, message } by the redaction.
      serializers: { err: (err: unknown) => err },
    },
    destination(write),
  );
  return wrap(root.child(redactFields(base, redaction)), redaction);
}

export const silentLogger: Logger = createLogger("silent");

function redactFields(fields: Record<string, unknown>, redaction: RedactionOptions): Record<string, unknown> {
  return redactSecrets(fields, redaction) as Record<string, unknown>;
}

function wrap(logger: pino.Logger, redaction: RedactionOptions): Logger {
  const emit =
    (level: "debug" | "info" | "warn" | "error") =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (!logger.isLevelEnabled(level)) return;
      const text = redactSecrets(String(msg), redaction) as string;
      if (fields) logger[level](redactFields(fields, redaction), text);
      else logger[level](text);
    };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => wrap(logger.child(redactFields(fields, redaction)), redaction),
  };
}

function destination(write: ((line: string) => void) | undefined): DestinationStream {
  if (write) return { write: (chunk: string) => write(chunk.endsWith("\n") ? chunk.slice(0, -1) : chunk) };
  if (process.stderr.isTTY) {
    const pretty = loadPretty();
    if (pretty) return pretty({ destination: 2, sync: true, colorize: true });
  }
  return pino.destination({ fd: 2, sync: true });
}

type PrettyFactory = (options: {
  destination: number;
  sync: boolean;
  colorize: boolean;
}) => DestinationStream;

/** pino-pretty is a development dependency: used when installed, never required. */
function loadPretty(): PrettyFactory | null {
  try {
    const loaded = createRequire(import.meta.url)("pino-pretty") as
      | PrettyFactory
      | { default: PrettyFactory };
    return typeof loaded === "function" ? loaded : loaded.default;
  } catch {
    return null;
  }
}
