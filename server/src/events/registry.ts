import type { SubscriberRegistry } from './types';
import { tagWithChannelTags } from '../channels/subscribers/tag-with-channel-tags';
import { notifyRepOfNewCustomer } from '../leads/subscribers/notify-rep-of-new-customer';
import { assignCapturedLead, reassignReturnedLead } from '../leads/assignment/subscribers/assign-ownerless-lead';
import { notifyRepsOfOwnershipChange } from '../leads/subscribers/notify-reps-of-ownership-change';
import { enrollOnCapture } from '../nurture/enrollment/subscribers/enroll-on-capture';
import { exitOnStageChange } from '../nurture/enrollment/subscribers/exit-on-stage-change';
import { enrollOnTag } from '../nurture/enrollment/subscribers/enroll-on-tag';
import { enrollOnGrade } from '../nurture/enrollment/subscribers/enroll-on-grade';
import { exitOnRelationLost } from '../nurture/enrollment/subscribers/exit-on-relation-lost';
import { exitOnMessage } from '../nurture/enrollment/subscribers/exit-on-message';
import { attachEarlierChats } from '../archive/subscribers/attach-earlier-chats';
import { readCustomerIntent } from '../archive/rules/subscribers/read-customer-intent';
import { alertSensitiveWords } from '../archive/rules/subscribers/alert-sensitive-words';

/**
 * Who reacts to which domain event: the index a reader starts from. A new reaction is one file
 * (a Subscriber) and one line here; the code that publishes the event does not change.
 */
export const subscribers: SubscriberRegistry = {
  'lead.captured': [tagWithChannelTags, notifyRepOfNewCustomer, assignCapturedLead, enrollOnCapture, attachEarlierChats],
  'lead.owner_changed': [notifyRepsOfOwnershipChange, reassignReturnedLead],
  'lead.stage_changed': [exitOnStageChange],
  'lead.converted': [],
  'lead.tagged': [enrollOnTag],
  'lead.grade_changed': [enrollOnGrade],
  'lead.relation_lost': [exitOnRelationLost],
  'customer.message_received': [exitOnMessage, readCustomerIntent],
  'member.message_sent': [alertSensitiveWords],
};
