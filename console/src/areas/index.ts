import type { ConsoleArea } from './types';

// Every area (src/areas/<name>/index.ts), in menu order.
export const areas: ConsoleArea[] = Object.values(import.meta.glob<ConsoleArea>('./*/index.ts', { eager: true, import: 'default' })).sort((a, b) => a.order - b.order);
