import type { Channel } from './channel.entity';

const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : null);

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
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}
