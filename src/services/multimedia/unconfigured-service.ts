import { MultimediaNotConfiguredError } from "./errors.js";
import type {
  AnalyzeImageInput,
  MultimediaService,
  SpeechAudio,
  TextToSpeechInput,
  TranscribeAudioInput,
} from "./types.js";

/**
 * The embedded default when no OpenAI-compatible API is configured: every call fails with a
 * `MultimediaNotConfiguredError` that says which setting to add, so the agent can tell the
 * customer it cannot listen to voice notes or look at images instead of guessing.
 */
export class UnconfiguredMultimediaService implements MultimediaService {
  async transcribeAudio(_input: TranscribeAudioInput): Promise<{ text: string }> {
    throw new MultimediaNotConfiguredError("transcribe_audio (voice-note transcription)");
  }

  async analyzeImage(_input: AnalyzeImageInput): Promise<{ description: string }> {
    throw new MultimediaNotConfiguredError("analyze_image (image description)");
  }

  async textToSpeech(_input: TextToSpeechInput): Promise<SpeechAudio> {
    throw new MultimediaNotConfiguredError("text_to_speech (spoken replies)");
  }
}
