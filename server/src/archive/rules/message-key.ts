import { createHash } from 'node:crypto';

/**
 * A message's msgid as part of dedup keys (activity, timeline, job: 191 characters at most). WeCom's
 * msgids are a few dozen characters; a longer one is hashed, so a key never gets cut and collides.
 */
export function messageKey(msgid: string): string {
  return msgid.length <= 64 ? msgid : `h${createHash('sha1').update(msgid).digest('hex')}`;
}
