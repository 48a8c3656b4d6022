/**
 * WeCom simulator: a local HTTP server that answers the /cgi-bin/ APIs Xiansuo calls, and a driver
 * that plays WeCom's encrypted callbacks. Used by the tests, `npm start` demo mode and benchmarks.
 * README.md here documents group sending and its test hooks.
 */
export { WecomSimulator } from './server';
export type { WecomSimulatorOptions } from './server';
export { WecomDriver } from './driver';
export type { WecomDriverOptions, PostOptions, CallbackResult, DeliveryAttempt, SealedCallback } from './driver';
export { SimulatorState } from './state';
// The simulator's records: WeCom's reply shapes (../dto.ts) with the fields it always fills required.
export type { Member, SimExternalContact, SimFollowUser, SimFollowUserTag, SimMemberStatus } from './stores/contacts';
export type { SimDepartment } from './stores/departments';
export type { SimContactWay } from './stores/contact-ways';
export type { SimCorpTag, SimTagGroup } from './stores/tags';
export type { MemberVersions, NewGroupMember, SimGroupChat, SimGroupMember } from './stores/groups';
export type { WelcomeCode, WelcomeMessage } from './stores/welcome';
export type { CapPeriod, GroupMessageRule, MessageTemplate, SendResult } from './stores/templates';
export { capPeriod } from './stores/templates';
export { MAX_REMINDERS_PER_DAY } from './api/templates';
export type { AppMessage } from './stores/messages';
export type { LoginCode } from './stores/miniprogram';
export type { ArchiveMessage, ArchiveRoute, PlayedMedia, PlayedMessage, PlayOptions, SealedArchiveMessage } from './stores/archive';
export { MEDIA_CHUNK_BYTES } from './stores/archive';
export type { SimArchiveKeyPair } from './stores/archive-keys';
export { ARCHIVE_KEY_BITS, generateArchiveKeyPem } from './stores/archive-keys';
export type { AgreeState, AgreeStatus, SimArchiveRoom } from './stores/msgaudit';
export { FINANCE_PREFIX, MAX_PULL_LIMIT } from './api/finance';
export { openChatMsg } from './archive-cipher';
export { Faults } from './faults';
export type { FaultSpec } from './faults';
export { FrequencyLimiter, WECOM_FREQUENCY_LIMITS } from './frequency-limits';
export type { FrequencyLimit } from './frequency-limits';
export type { CallRecord } from './call-log';
export { ApiError, Errcode } from './errors';
export { renderCallbackXml } from './callback-xml';
export type { CallbackFields, CallbackValue } from './callback-xml';
export { WELCOME_CODE_TTL_MS } from './api/welcome';
export { LOGIN_CODE_TTL_MS } from './api/miniprogram';
