import type { EventHandlers } from './inbox/handlers';
import type { JobHandlers } from './jobs/job-worker';
import { onContactAdded } from './leads/events/contact-added';
import { onContactEdited } from './leads/events/contact-edited';
import { onContactDeleted, onTransferFailed } from './leads/events/contact-deleted';
import { onGroupChanged } from './groups/events/group-changed';
import { onTagChanged } from './tags/events/tag-changed';
import { welcomeJob } from './channels/welcome-job';
import { markTagJob } from './leads/jobs/mark-tag-job';
import { notifyRepJob } from './leads/jobs/notify-rep-job';
import { assignLeadJob } from './leads/assignment/assign-lead-job';
import { rescoreLeadJob } from './leads/scoring/rescore-job';
import { deferredTimelineJob } from './leads/jobs/record-on-lead';

/**
 * What happens for each WeCom event kind and each side-effect job kind: the index a reader
 * starts from. Kinds without a handler (e.g. archive.notify until chat archive lands, or events
 * we do not model) are stored and marked ignored.
 */
export const eventHandlers: EventHandlers = {
  'contact.added': onContactAdded,
  'contact.edited': onContactEdited,
  'contact.deleted': onContactDeleted,
  'contact.transfer_failed': onTransferFailed,
  'group.changed': onGroupChanged,
  'tag.changed': onTagChanged,
};

export const jobHandlers: JobHandlers = {
  welcome: welcomeJob,
  mark_tag: markTagJob,
  notify_rep: notifyRepJob,
  'lead.assign': assignLeadJob,
  'lead.rescore': rescoreLeadJob,
  'timeline.deferred': deferredTimelineJob,
};
