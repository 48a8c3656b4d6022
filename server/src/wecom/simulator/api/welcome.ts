import { ApiError, Errcode } from '../errors';
import { messageContent, requiredString } from './params';
import type { Routes } from './route';

/** send_welcome_msg (wecom-reference.md §4.3): a code is valid 20 s after the event and usable once. */

export const WELCOME_CODE_TTL_MS = 20_000;

export const welcomeRoutes: Routes = {
  'externalcontact/send_welcome_msg': {
    method: 'POST',
    handle: ({ state, body, now }) => {
      const code = requiredString(body, 'welcome_code');
      const record = state.welcomeCodes.get(code);
      if (!record || now() - record.issuedAt > WELCOME_CODE_TTL_MS) {
        throw new ApiError(Errcode.welcomeCodeInvalid, 'welcome_code invalid or expired');
      }
      if (record.usedAt !== undefined) throw new ApiError(Errcode.welcomeCodeUsed, 'welcome_code already used');
      const content = messageContent(body);
      record.usedAt = now();
      state.welcomeMessages.push({ welcome_code: code, userid: record.userid, external_userid: record.external_userid, ...content, at: now() });
      return {};
    },
  },
};
