import type { JobHandlers } from './job-worker';
import { welcomeJob } from '../channels/welcome-job';
import { markTagJob } from '../leads/jobs/mark-tag-job';
import { notifyRepJob } from '../leads/jobs/notify-rep-job';
import { assignLeadJob } from '../leads/assignment/assign-lead-job';
import { rescoreLeadJob } from '../leads/scoring/rescore-job';
import { deferredTimelineJob } from '../leads/jobs/record-on-lead';
import { PUSH_TAGS_JOB, pushTagsJob } from '../leads/tags/push-tags-job';
import { runEventJob } from '../events/event-job';
import { LEAD_EXPORT_JOB } from '../console/leads/export/lead-exports';
import { leadExportJob } from '../console/leads/export/export-job';
import { ARCHIVE_MEDIA_JOB, fetchMediaJob } from '../archive/media/fetch-media-job';
import { eventJobKind } from '../events/publish';
import { PULL_ARCHIVE_JOB, pullArchiveJob } from '../archive/ingest/pull-job';
import { subscribers } from '../events/registry';

/** What runs for each side-effect job kind: the index a reader starts from. */
export const jobHandlers: JobHandlers = {
  welcome: welcomeJob,
  mark_tag: markTagJob,
  notify_rep: notifyRepJob,
  'lead.assign': assignLeadJob,
  'lead.rescore': rescoreLeadJob,
  'timeline.deferred': deferredTimelineJob,
  [PUSH_TAGS_JOB]: pushTagsJob,
  // The console's Excel exports of leads: the file is built here, its progress polled by the page.
  [LEAD_EXPORT_JOB]: leadExportJob,
  // The chat archive: a pull after msgaudit_notify.
  [PULL_ARCHIVE_JOB]: pullArchiveJob,
  // The chat archive's media files, downloaded after their message is stored.
  [ARCHIVE_MEDIA_JOB]: fetchMediaJob,
  // Each domain event is one job that runs its subscribers (events/registry.ts) together.
  ...Object.fromEntries(Object.keys(subscribers).map((name) => [eventJobKind(name), runEventJob])),
  // Jobs of one subscriber each, written by the version before, still run.
  ...Object.fromEntries(
    Object.values(subscribers)
      .flat()
      .map((subscriber) => [eventJobKind(subscriber.name), runEventJob]),
  ),
};
