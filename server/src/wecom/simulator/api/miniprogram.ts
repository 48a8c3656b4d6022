import { ApiError, Errcode } from '../errors';
import { newSessionKey } from '../ids';
import { requiredString } from './params';
import type { Routes } from './route';

/** WeCom mini-program login (wecom-reference.md §6): codes from `state.issueLoginCode`, single use, ~5 min. */

export const LOGIN_CODE_TTL_MS = 5 * 60_000;

export const miniprogramRoutes: Routes = {
  'miniprogram/jscode2session': {
    method: 'GET',
    handle: ({ state, query, now }) => {
      if (query.grant_type !== 'authorization_code') throw new ApiError(Errcode.invalidGrantType, 'grant_type must be authorization_code');
      const record = state.loginCodes.get(requiredString(query, 'js_code'));
      if (!record || now() - record.issuedAt > LOGIN_CODE_TTL_MS) throw new ApiError(Errcode.invalidCode, 'invalid code');
      if (record.used) throw new ApiError(Errcode.codeUsed, 'code been used');
      record.used = true;
      return { corpid: record.corpId ?? state.corpId, userid: record.userid, session_key: newSessionKey() };
    },
  },
};
