import type { Channel } from './channel.entity';
import { isoOrNull } from '../util/time';

export function presentChannel(c: Channel) {
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    configId: c.configId,
    qrCode: c.qrCode,
    userIds: c.userIds,
    tags: c.tagNames,
    welcomeText: c.welcomeText,
    welcomeMiniprogram: c.welcomeMiniprogram,
    createdAt: isoOrNull(c.createdAt),
    updatedAt: isoOrNull(c.updatedAt),
  };
}
