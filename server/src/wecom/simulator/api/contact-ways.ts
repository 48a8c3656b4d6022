import { ApiError, Errcode, invalidParameter } from '../errors';
import { newConfigId } from '../ids';
import { qrImageUrl } from '../qr-images';
import type { SimulatorState } from '../state';
import type { SimContactWay as ContactWay } from '../stores/contact-ways';
import { optionalBool, optionalInt, optionalString, requiredString, requireMember, stringArray } from './params';
import type { Routes } from './route';

/** 「联系我」 contact ways (wecom-reference.md §4.1). */

const STATE_PATTERN = /^[a-zA-Z0-9]{0,30}$/;

/**
 * WeCom's global errcode for an unknown 「联系我」 config_id (无效的「联系我」config_id参数). Not in
 * wecom-reference.md; taken from WeCom's global errcode table. Callers tell "already deleted"
 * apart from other failures by it, so the simulator must not answer a generic 40058 here.
 */
const INVALID_CONFIG_ID = 41044;

function requireWay(state: SimulatorState, configId: string): ContactWay {
  const way = state.contactWays.get(configId);
  if (!way) throw new ApiError(INVALID_CONFIG_ID, `invalid config_id: ${configId}`);
  return way;
}

function partyList(body: Record<string, unknown>): number[] | undefined {
  if (body.party === undefined || body.party === null) return undefined;
  if (!Array.isArray(body.party)) throw invalidParameter('party must be an array');
  return body.party.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1) throw invalidParameter(`party id ${String(p)}`);
    return n;
  });
}

/** Applies the request's fields over `base` (lists replace) and validates the result. */
function applyFields(state: SimulatorState, base: ContactWay, body: Record<string, unknown>): ContactWay {
  const way: ContactWay = { ...base };
  const remark = optionalString(body, 'remark');
  if (remark !== undefined) {
    if ([...remark].length > 30) throw invalidParameter('remark exceeds 30 characters');
    way.remark = remark;
  }
  const stateValue = optionalString(body, 'state');
  if (stateValue !== undefined) {
    if (!STATE_PATTERN.test(stateValue)) throw new ApiError(Errcode.invalidState, 'invalid state: use [a-zA-Z0-9], at most 30 characters');
    way.state = stateValue;
  }
  if (body.user !== undefined) way.user = stringArray(body, 'user');
  const party = partyList(body);
  if (party !== undefined) way.party = party;
  way.skip_verify = optionalBool(body, 'skip_verify') ?? way.skip_verify;
  way.style = optionalInt(body, 'style') ?? way.style;
  way.expires_in = optionalInt(body, 'expires_in') ?? way.expires_in;
  way.chat_expires_in = optionalInt(body, 'chat_expires_in') ?? way.chat_expires_in;
  way.unionid = optionalString(body, 'unionid') ?? way.unionid;

  if (way.user.length > 100) throw new ApiError(Errcode.tooManyUsers, 'contact way user list exceeds 100');
  if (way.type === 1 && (way.user.length !== 1 || way.party.length > 0)) {
    throw invalidParameter('type 1 (single) needs exactly one user and no party');
  }
  if (way.type === 2 && way.user.length === 0 && way.party.length === 0) {
    throw invalidParameter('type 2 (multi) needs user or party');
  }
  way.user.forEach((u) => requireMember(state, u));
  return way;
}

export const contactWayRoutes: Routes = {
  'externalcontact/add_contact_way': {
    method: 'POST',
    handle: ({ state, body, baseUrl }) => {
      const type = optionalInt(body, 'type');
      const scene = optionalInt(body, 'scene');
      if (type !== 1 && type !== 2) throw invalidParameter('type must be 1 or 2');
      if (scene !== 1 && scene !== 2) throw invalidParameter('scene must be 1 or 2');
      const is_temp = optionalBool(body, 'is_temp') ?? false;
      const config_id = newConfigId();
      const base: ContactWay = {
        config_id,
        type,
        scene,
        remark: '',
        skip_verify: true,
        state: '',
        user: [],
        party: [],
        is_temp,
        ...(is_temp ? { expires_in: 7 * 86400, chat_expires_in: 86400 } : {}),
        // A real image the simulator serves (qr-images.ts), where WeCom's is on its CDN.
        ...(scene === 2 ? { qr_code: qrImageUrl(baseUrl, config_id) } : {}),
      };
      const way = applyFields(state, base, body);
      state.contactWays.set(config_id, way);
      return { config_id, ...(way.qr_code ? { qr_code: way.qr_code } : {}) };
    },
  },

  'externalcontact/get_contact_way': {
    method: 'POST',
    handle: ({ state, body }) => ({ contact_way: requireWay(state, requiredString(body, 'config_id')) }),
  },

  'externalcontact/update_contact_way': {
    method: 'POST',
    handle: ({ state, body }) => {
      const existing = requireWay(state, requiredString(body, 'config_id'));
      state.contactWays.set(existing.config_id, applyFields(state, existing, body));
      return {};
    },
  },

  'externalcontact/del_contact_way': {
    method: 'POST',
    handle: ({ state, body }) => {
      state.contactWays.delete(requireWay(state, requiredString(body, 'config_id')).config_id);
      return {};
    },
  },
};
