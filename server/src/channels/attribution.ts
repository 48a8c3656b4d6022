import { EntityManager } from 'typeorm';
import { Channel } from './channel.entity';

/**
 * The channel an add came through, by the `state` WeCom echoes. Deleted channels still match:
 * a customer may scan an old printed code before WeCom stops honouring it. Unknown or empty
 * state → null, i.e. an organic add.
 */
export async function channelForState(manager: EntityManager, state: string | null | undefined): Promise<Channel | null> {
  if (!state) return null;
  return manager.getRepository(Channel).findOneBy({ state });
}

const CACHE_TTL_MS = 5_000;
const recent = new Map<string, { channel: Channel | null; until: number }>();

/**
 * channelForState for the welcome path, which runs once per add and must stay cheap in a burst
 * of thousands of adds through one channel. Entries live 5 s, so an edited welcome text reaches
 * every instance within seconds.
 */
export async function recentChannelForState(manager: EntityManager, state: string | null | undefined): Promise<Channel | null> {
  if (!state) return null;
  const hit = recent.get(state);
  if (hit && hit.until > Date.now()) return hit.channel;
  const channel = await channelForState(manager, state);
  if (recent.size > 10_000) recent.clear();
  recent.set(state, { channel, until: Date.now() + CACHE_TTL_MS });
  return channel;
}
