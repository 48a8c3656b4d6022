import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * The `state` WeCom echoes back on every add through a channel: short and strictly alphanumeric
 * (errcode 84025 otherwise). 10 characters of a 56-letter alphabet: collisions are not a concern,
 * and the unique index catches one anyway.
 */
export function newChannelState(): string {
  let s = 'ch';
  for (let i = 0; i < 10; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}
