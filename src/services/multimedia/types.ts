/** The voices of OpenAI's speech endpoint (`tts-1`, `tts-1-hd`). */
export const TTS_VOICES = ["alloy", "echo", "fable", "onyx", "nova", "shimmer"] as const;
export type TtsVoice = (typeof TTS_VOICES)[number];

export interface TranscribeAudioInput {
  /** Where the audio is, e.g. a Chatwoot attachment's `data_url`. */
  audio_url: string;
}

export interface AnalyzeImageInput {
  image_url: string;
  /** What to look for; a general description is asked for when left out. */
  prompt?: string;
}

export interface TextToSpeechInput {
  text: string;
  voice: TtsVoice;
}

export interface SpeechAudio {
  audio_base64: string;
  mime_type: string;
  bytes: number;
}

/** Voice notes, images and spoken replies, as the multimedia tools use them. */
export interface MultimediaService {
  transcribeAudio(input: TranscribeAudioInput): Promise<{ text: string }>;
  analyzeImage(input: AnalyzeImageInput): Promise<{ description: string }>;
  textToSpeech(input: TextToSpeechInput): Promise<SpeechAudio>;
}
