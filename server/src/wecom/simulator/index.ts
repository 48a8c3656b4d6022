/**
 * WeCom simulator: a local HTTP server that answers the /cgi-bin/ APIs Xiansuo calls, and a driver
 * that plays WeCom's encrypted callbacks. Used by the tests, `npm start` demo mode and benchmarks.
 */
export { WecomSimulator } from './server';
export type { WecomSimulatorOptions } from './server';
export { WecomDriver } from './driver';
export type { WecomDriverOptions, PostOptions, CallbackResult, DeliveryAttempt, SealedCallback } from './driver';
export { SimulatorState } from './state';
export type {
  AppMessage,
  ContactWay,
  CorpTag,
  ExternalContact,
  FollowTag,
  FollowUser,
  GroupChat,
  GroupMember,
  LoginCode,
  Member,
  MessageTemplate,
  NewGroupMember,
  SendResult,
  TagGroup,
  WelcomeCode,
  WelcomeMessage,
} from './state';
export { Faults } from './faults';
export type { FaultSpec } from './faults';
export type { CallRecord } from './call-log';
export { ApiError, Errcode } from './errors';
export { renderCallbackXml } from './callback-xml';
export type { CallbackFields, CallbackValue } from './callback-xml';
export { WELCOME_CODE_TTL_MS } from './api/welcome';
