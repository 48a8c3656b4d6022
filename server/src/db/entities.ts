import { InboxEvent } from '../inbox/inbox-event.entity';
import { Job } from '../jobs/job.entity';
import { AccessTokenRow } from '../wecom/access-token.entity';
import { Channel } from '../channels/channel.entity';
import { CorpTag } from '../tags/corp-tag.entity';
import { Lead } from '../leads/lead.entity';
import { LeadRelation } from '../leads/lead-relation.entity';
import { LeadTag } from '../leads/lead-tag.entity';
import { TimelineEntry } from '../leads/timeline-entry.entity';
import { GroupChat } from '../groups/group-chat.entity';
import { GroupMember } from '../groups/group-member.entity';
import { LeadActivity } from '../leads/lead-activity.entity';
import { FollowUp } from '../leads/follow-up.entity';
import { LeadAssignment } from '../leads/lead-assignment.entity';
import { Team } from '../teams/team.entity';
import { TeamMember } from '../teams/team-member.entity';
import { AssignmentRule } from '../teams/assignment-rule.entity';
import { SchedulerLease } from '../scheduler/scheduler-lease.entity';
import { Setting } from '../settings/setting.entity';
import { FormSubmission } from '../capture/form-submission.entity';
import { FormRateLimit } from '../capture/forms/form-rate-limit.entity';
import { LeadMerge } from '../leads/merge/lead-merge.entity';
import { MemberSession } from '../auth/member-session.entity';
import { Member } from '../members/member.entity';
import { MemberRoleRow } from '../members/member-role.entity';
import { ManagedTeam } from '../members/managed-team.entity';
import { Store } from '../members/store.entity';
import { AuditLog } from '../audit/audit-log.entity';
import { StoreEntry } from '../entries/store-entry.entity';
import { NurtureSequence } from '../nurture/sequences/sequence.entity';
import { MessageDelivery } from '../nurture/budget/message-delivery.entity';
import { NurtureEnrollment } from '../nurture/enrollment/enrollment.entity';
import { NurtureStepRun } from '../nurture/steps/step-run.entity';
import { NurturePush } from '../nurture/sending/push.entity';
import { ConsoleSession } from '../console/console-session.entity';
import { LeadExport } from '../console/leads/export/lead-export.entity';
import { LeadExportPart } from '../console/leads/export/lead-export-part.entity';
import { ChatMessage } from '../archive/messages/chat-message.entity';
import { ArchiveCursor } from '../archive/ingest/archive-cursor.entity';
import { ArchiveConsent } from '../archive/compliance/archive-consent.entity';
import { ChatWaiting } from '../archive/responses/chat-waiting.entity';
import { ChatResponse } from '../archive/responses/chat-response.entity';

export const entities = [
  InboxEvent,
  Job,
  AccessTokenRow,
  Channel,
  CorpTag,
  Lead,
  LeadRelation,
  LeadTag,
  TimelineEntry,
  GroupChat,
  GroupMember,
  LeadActivity,
  FollowUp,
  LeadAssignment,
  Team,
  TeamMember,
  AssignmentRule,
  SchedulerLease,
  Setting,
  FormSubmission,
  FormRateLimit,
  LeadMerge,
  Member,
  MemberRoleRow,
  ManagedTeam,
  Store,
  MemberSession,
  AuditLog,
  StoreEntry,
  NurtureSequence,
  MessageDelivery,
  NurtureEnrollment,
  NurtureStepRun,
  NurturePush,
  ConsoleSession,
  LeadExport,
  LeadExportPart,
  ChatMessage,
  ArchiveCursor,
  ArchiveConsent,
  ChatWaiting,
  ChatResponse,
];
