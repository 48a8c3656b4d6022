import type { ScheduledTask } from './scheduled-task';
import { poolReleaseTask } from '../leads/pool/release-task';
import { followUpReminderTask } from '../leads/follow-ups/reminders';
import { scoreDecayTask } from '../leads/scoring/decay-task';
import { pruneQueuesTask } from '../queue/prune-task';
import { pruneMemberSessionsTask } from '../auth/session-prune-task';
import { memberSyncTask } from '../members/sync';
import { nurtureTask } from '../nurture/nurture-task';
import { archivePullTask } from '../archive/ingest/pull-task';
import { chatWaitingAlertTask } from '../archive/responses/waiting-alert-task';
import { chatRetentionTask } from '../archive/messages/retention-task';

export type { ScheduledTask } from './scheduled-task';

/** Every recurring task, each run once per cron slot across all instances (scheduler.ts). */
export const scheduledTasks: ScheduledTask[] = [poolReleaseTask, scoreDecayTask, followUpReminderTask, pruneQueuesTask, pruneMemberSessionsTask, memberSyncTask, nurtureTask, archivePullTask, chatWaitingAlertTask, chatRetentionTask];
