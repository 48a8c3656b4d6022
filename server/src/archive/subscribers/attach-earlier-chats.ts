import { PRIORITY } from '../../jobs/enqueue';
import type { Subscriber } from '../../events/types';
import { ChatMessage } from '../messages/chat-message.entity';
import { archiveIsOn } from '../archive-switch';

/**
 * lead.captured with a WeCom customer: messages the archive stored before the lead existed (the
 * archive read them ahead of the add callback, or the customer wrote in a group first) are the
 * lead's from now on. They raised no events then and raise none now: a reply from before the lead
 * existed ends no nurture sequence and alerts nobody.
 */
export const attachEarlierChats: Subscriber<'lead.captured'> = {
  name: 'chat-attach-earlier',
  priority: PRIORITY.background,
  // Only with the archive on: without it there are no messages to attach, and a capture pays nothing.
  wants: (p) => !!p.externalUserId && archiveIsOn(),
  async handle(event, ctx) {
    await ctx.dataSource
      .createQueryBuilder()
      .update(ChatMessage)
      .set({ leadId: event.payload.leadId })
      .where('external_user_id = :externalUserId AND lead_id IS NULL', { externalUserId: event.payload.externalUserId })
      .execute();
    return 'done';
  },
};
