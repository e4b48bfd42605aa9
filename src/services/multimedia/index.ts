export {
  MediaFetchError,
  type MediaFetchErrorCode,
  MultimediaInputError,
  MultimediaNotConfiguredError,
  MultimediaProviderError,
  type MultimediaProviderErrorCode,
} from "./errors.js";
export { type OpenAIMultimediaOptions, OpenAIMultimediaService } from "./openai-service.js";
export {
  type AnalyzeImageInput,
  type MultimediaService,
  type SpeechAudio,
  type TextToSpeechInput,
  type TranscribeAudioInput,
  TTS_VOICES,
  type TtsVoice,
} from "./types.js";
export { UnconfiguredMultimediaService } from "./unconfigured-service.js";
