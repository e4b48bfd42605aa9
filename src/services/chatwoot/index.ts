export { type ChatwootApiOptions, ChatwootApiService, MemoryChatwootDedupStore } from "./api-service.js";
export { RedisChatwootDedupStore, SqliteChatwootDedupStore } from "./dedup-stores.js";
export {
  ChatwootApiError,
  type ChatwootErrorCode,
  ChatwootInputError,
  isChatwootApiError,
} from "./errors.js";
export { type LocalChatwootOptions, LocalChatwootService, type StoredMessage } from "./local-service.js";
export type {
  ChatwootDedupStore,
  ChatwootService,
  ChatwootTemplateParams,
  ConversationStatus,
  SendMessageInput,
  SentMessage,
} from "./types.js";
export { CONVERSATION_STATUSES } from "./validation.js";
