import { configFilePath, describeIssues, readConfigJson } from '../../util/config-file';
import { ChatRules, chatRulesSchema } from './chat-rules-schema';

export const CHAT_RULES_FILE = 'chat-rules.json';

const NO_RULES: ChatRules = { intent: [], sensitive: [] };

/** Keyed by the file's path, so a changed XIANSUO_CONFIG_DIR is read afresh rather than served stale. */
let loaded: { file: string; rules: ChatRules } | null = null;

/**
 * config/chat-rules.json (in XIANSUO_CONFIG_DIR when set), read and validated once per process,
 * and checked at start-up (config-files.ts). A broken file stops the service with the field to
 * fix; a missing one means no rules (a deployment whose config directory predates the chat
 * archive keeps starting, and simply reads nothing in chats).
 */
export function chatRules(): ChatRules {
  const file = configFilePath(CHAT_RULES_FILE);
  if (loaded?.file === file) return loaded.rules;
  const raw = readConfigJson(CHAT_RULES_FILE);
  let rules = NO_RULES;
  if (raw !== null) {
    const parsed = chatRulesSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`chat rules in ${file} are invalid: ${describeIssues(parsed.error)}`);
    rules = parsed.data;
  }
  loaded = { file, rules };
  return rules;
}
