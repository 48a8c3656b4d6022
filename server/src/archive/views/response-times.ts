import type { EntityManager } from 'typeorm';
import { ChatResponse } from '../responses/chat-response.entity';
import { ChatWaiting } from '../responses/chat-waiting.entity';

/** How quickly the lead's customer is answered in chat, from chat_response and chat_waiting. */
export interface ResponseTimesView {
  /** The first time any rep answered this lead (its earliest `first` response). */
  firstResponseMinutes: number | null;
  averageResponseMinutes: number | null;
  responses: number;
  /** The customer is waiting for an answer since then (the longest wait, over reps). */
  waitingSince: string | null;
}

/** Minutes with one decimal: "0.5 分钟" says more than "1 分钟" for a quick answer. */
const minutes = (ms: number) => Math.round(ms / 6_000) / 10;

export async function responseTimesOf(manager: EntityManager, leadId: number): Promise<ResponseTimesView> {
  const [first, totals, waiting] = await Promise.all([
    manager.findOne(ChatResponse, { where: { leadId, first: true }, order: { repliedAt: 'ASC', id: 'ASC' } }),
    manager
      .createQueryBuilder(ChatResponse, 'r')
      .select('COUNT(*)', 'count')
      .addSelect('AVG(r.response_ms)', 'average')
      .where('r.lead_id = :leadId', { leadId })
      .getRawOne<{ count: string | number; average: string | number | null }>(),
    manager.findOne(ChatWaiting, { where: { leadId }, order: { since: 'ASC' } }),
  ]);
  const responses = Number(totals?.count ?? 0);
  return {
    firstResponseMinutes: first ? minutes(first.responseMs) : null,
    averageResponseMinutes: responses > 0 && totals?.average != null ? minutes(Number(totals.average)) : null,
    responses,
    waitingSince: waiting ? new Date(waiting.since).toISOString() : null,
  };
}
