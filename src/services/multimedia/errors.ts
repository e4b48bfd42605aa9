import { AgentLedgerError, InputError } from "../../util/errors.js";
/** No multimedia provider is configured: the embedded default cannot hear, see or speak. */
export class MultimediaNotConfiguredError extends AgentLedgerError {
  override readonly name = "MultimediaNotConfiguredError";
  readonly code = "NOT_CONFIGURED";
  readonly retriable = false;
  constructor(readonly operation: string) {
    super(
      `${operation} needs an OpenAI-compatible API, and none is configured: set OPENAI_API_KEY ` +
        "(and OPENAI_BASE_URL to use a compatible server instead of api.openai.com), then restart",
    );
  }
}

/** Input that must not reach the provider; the message names the field and what is expected. */
export class MultimediaInputError extends InputError {
  override readonly name = "MultimediaInputError";
}

export type MediaFetchErrorCode =
  | "MEDIA_UNAVAILABLE"
  | "MEDIA_TOO_LARGE"
  | "UNSUPPORTED_MEDIA"
  | "EMPTY_MEDIA"
  | "NETWORK_ERROR"
  | "TIMEOUT";

/** The media file could not be downloaded (or is not something the provider can use). */
export class MediaFetchError extends AgentLedgerError {
  override readonly name = "MediaFetchError";
  constructor(
    message: string,
    readonly code: MediaFetchErrorCode,
    readonly retriable: boolean,
    /** HTTP status of the download, 0 when none arrived. */
    readonly status = 0,
  ) {
    super(message);
  }
}

export type MultimediaProviderErrorCode =
  | "UNAUTHORIZED"
  | "RATE_LIMITED"
  | "SERVER_ERROR"
  | "INVALID_REQUEST"
  | "NETWORK_ERROR"
  | "TIMEOUT"
  | "EMPTY_RESPONSE";

/** The OpenAI-compatible server failed or refused; never carries the API key. */
export class MultimediaProviderError extends AgentLedgerError {
  override readonly name = "MultimediaProviderError";
  constructor(
    message: string,
    readonly code: MultimediaProviderErrorCode,
    readonly retriable: boolean,
    readonly status = 0,
  ) {
    super(message);
  }
}
