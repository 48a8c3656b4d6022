import type { JobHandlers } from './job-worker';
import { welcomeJob } from '../channels/welcome-job';
import { markTagJob } from '../leads/jobs/mark-tag-job';
import { notifyRepJob } from '../leads/jobs/notify-rep-job';
import { assignLeadJob } from '../leads/assignment/assign-lead-job';
import { rescoreLeadJob } from '../leads/scoring/rescore-job';
import { deferredTimelineJob } from '../leads/jobs/record-on-lead';
import { runSubscriberJob } from '../events/subscriber-job';
import { subscriberJobKind } from '../events/publish';
import { subscribers } from '../events/registry';

/** What runs for each side-effect job kind: the index a reader starts from. */
export const jobHandlers: JobHandlers = {
  welcome: welcomeJob,
  mark_tag: markTagJob,
  notify_rep: notifyRepJob,
  'lead.assign': assignLeadJob,
  'lead.rescore': rescoreLeadJob,
  'timeline.deferred': deferredTimelineJob,
  // Every subscriber of a domain event (events/registry.ts) runs as a job of its own kind.
  ...Object.fromEntries(
    Object.values(subscribers)
      .flat()
      .map((subscriber) => [subscriberJobKind(subscriber.name), runSubscriberJob]),
  ),
};
