import { ApiError, Errcode, invalidParameter } from '../errors';
import { newMsgId } from '../ids';
import { objectField, optionalInt, optionalString, requiredString } from './params';
import type { Routes } from './route';

/**
 * message/send (wecom-reference.md §5). With enable_duplicate_check, an identical message
 * (same msgtype, recipients and body) within the interval is accepted but not delivered again;
 * Xiansuo relies on this for exactly-once notices.
 */

const DEFAULT_DUP_INTERVAL_S = 1800;
const MAX_DUP_INTERVAL_S = 4 * 3600;

export const messageRoutes: Routes = {
  'message/send': {
    method: 'POST',
    handle: ({ state, body, now, agentId }) => {
      const msgtype = requiredString(body, 'msgtype');
      const content = objectField(body, msgtype);
      if (!content) throw invalidParameter(`${msgtype} body is required`);
      const agentid = optionalInt(body, 'agentid');
      if (msgtype !== 'miniprogram_notice' && agentid === undefined) throw invalidParameter('agentid is required');
      if (agentid !== undefined && agentid !== agentId) throw new ApiError(Errcode.invalidAgentId, 'invalid agentid');

      const touser = (optionalString(body, 'touser') ?? '').split('|').filter(Boolean);
      const hasPartyOrTag = Boolean(optionalString(body, 'toparty') || optionalString(body, 'totag'));
      if (touser.length === 0 && !hasPartyOrTag) throw invalidParameter('touser, toparty or totag is required');
      if (touser.length > 1000) throw invalidParameter('touser exceeds 1000 users');
      const recipients = touser.includes('@all') ? [...state.members.keys()] : touser.filter((u) => state.hasMember(u));
      const invalid = touser.includes('@all') ? [] : touser.filter((u) => !state.hasMember(u));
      // Departments and tags are not modelled, so toparty/totag alone reach nobody but are not an error.
      if (recipients.length === 0 && !hasPartyOrTag) throw new ApiError(Errcode.allRecipientsInvalid, 'all recipients are invalid');

      let deduplicated = false;
      if (optionalInt(body, 'enable_duplicate_check') === 1) {
        const interval = optionalInt(body, 'duplicate_check_interval') ?? DEFAULT_DUP_INTERVAL_S;
        if (interval < 1 || interval > MAX_DUP_INTERVAL_S) throw invalidParameter('duplicate_check_interval must be 1..14400');
        const key = JSON.stringify([agentid, msgtype, [...recipients].sort(), content]);
        const sentAt = state.recentAppMessages.get(key);
        deduplicated = sentAt !== undefined && now() - sentAt < interval * 1000;
        if (!deduplicated) state.rememberAppMessage(key, now(), MAX_DUP_INTERVAL_S * 1000);
      }

      const msgid = newMsgId();
      state.appMessages.push({ msgid, agentid: agentid ?? agentId, msgtype, touser: recipients, invaliduser: invalid, content, at: now(), deduplicated });
      return { invaliduser: invalid.join('|'), invalidparty: '', invalidtag: '', unlicenseduser: '', msgid };
    },
  },
};
