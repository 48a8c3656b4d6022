import { Foundation1732300000000 } from './1732300000000-foundation';
import { LeadCapture1732300001000 } from './1732300001000-lead-capture';
import { LeadLifecycle1732300002000 } from './1732300002000-lead-lifecycle';
import { QueueClaimIndexes1732300003000 } from './1732300003000-queue-claim-indexes';
import { RepLocksSessionExpiry1732300004000 } from './1732300004000-rep-locks-session-expiry';
import { LeadFiltersReminderCancel1732300005000 } from './1732300005000-lead-filters-reminder-cancel';
import { FormRateLimit1732300006000 } from './1732300006000-form-rate-limit';
import { JobLane1732300007000 } from './1732300007000-job-lane';
import { WelcomeOnInbox1732300007100 } from './1732300007100-welcome-on-inbox';
import { DomainEvents1732300008000 } from './1732300008000-domain-events';
import { EventsAsJobs1732300009100 } from './1732300009100-events-as-jobs';
import { LeadCaptureSignal1732300010000 } from './1732300010000-lead-capture-signal';
import { MembersSessions1732300011000 } from './1732300011000-members-sessions';
import { AuditLogNextStep1732300012000 } from './1732300012000-audit-log-next-step';
import { StoreEntries1732300013000 } from './1732300013000-store-entries';
import { NurtureSequences1732300014000 } from './1732300014000-nurture-sequences';
import { NurtureBudget1732300015000 } from './1732300015000-nurture-budget';
import { NurtureEnrollment1732300016000 } from './1732300016000-nurture-enrollment';
import { NurtureSteps1732300017000 } from './1732300017000-nurture-steps';
import { ConsoleSessions1732300018000 } from './1732300018000-console-sessions';
import { LeadExports1732300019400 } from './1732300019400-lead-exports';
import { ChatArchive1732300020000 } from './1732300020000-chat-archive';

/** In order. A new migration is appended here, never edited once released. */
export const migrations = [Foundation1732300000000, LeadCapture1732300001000, LeadLifecycle1732300002000, QueueClaimIndexes1732300003000, RepLocksSessionExpiry1732300004000, LeadFiltersReminderCancel1732300005000, FormRateLimit1732300006000, JobLane1732300007000, WelcomeOnInbox1732300007100, DomainEvents1732300008000, EventsAsJobs1732300009100, LeadCaptureSignal1732300010000, MembersSessions1732300011000, AuditLogNextStep1732300012000, StoreEntries1732300013000, NurtureSequences1732300014000, NurtureBudget1732300015000, NurtureEnrollment1732300016000, NurtureSteps1732300017000, ConsoleSessions1732300018000, LeadExports1732300019400, ChatArchive1732300020000];
