import { z } from "zod";
import { defineTool } from "../define-tool.js";

const HttpUrl = z.url({ protocol: /^https?$/, message: "expected an http(s) URL" });

const transcribeSchema = z.object({ audio_url: HttpUrl });
const analyzeSchema = z.object({
  image_url: HttpUrl,
  prompt: z.string().trim().min(1).max(2000).default("Describe la imagen."),
});
const speechSchema = z.object({
  text: z.string().trim().min(1, "expected the text to speak").max(4096),
  voice: z
    .enum(["alloy", "echo", "fable", "onyx", "nova", "shimmer"], {
      message: "expected alloy, echo, fable, onyx, nova or shimmer",
    })
    .default("nova"),
});

export const transcribeAudioTool = defineTool({
  name: "transcribe_audio",
  description: "Transcribe a customer's voice note (audio URL) to text.",
  actionType: "api_call",
  service: "multimedia",
  schema: transcribeSchema,
  run: (p, s) => s.multimedia.transcribeAudio({ audio_url: p.audio_url }),
});

export const analyzeImageTool = defineTool({
  name: "analyze_image",
  description: "Describe an image the customer sent (e.g. a photo of a skin reaction) following a prompt.",
  actionType: "api_call",
  service: "multimedia",
  schema: analyzeSchema,
  run: (p, s) => s.multimedia.analyzeImage({ image_url: p.image_url, prompt: p.prompt }),
});

export const textToSpeechTool = defineTool({
  name: "text_to_speech",
  description: "Turn a reply into speech (returns base64 audio) for customers who prefer voice notes.",
  actionType: "api_call",
  service: "multimedia",
  schema: speechSchema,
  run: (p, s) => s.multimedia.textToSpeech({ text: p.text, voice: p.voice }),
});
