/** The replies of /api/console/settings/… (server/src/routes/console/settings.ts). */

export type Role = 'rep' | 'store_staff' | 'manager' | 'admin';
export type Grade = 'A' | 'B' | 'C';

export interface TeamMember {
  userId: string;
  name: string;
  active: boolean;
  lastAssignedAt: string | null;
}

export interface Team {
  id: number;
  name: string;
  maxActiveLeads: number;
  followUpHours: number | null;
  dailyClaimLimit: number | null;
  members: TeamMember[];
  createdAt: string;
}

export interface Member {
  userId: string;
  name: string;
  status: 'active' | 'disabled' | 'left';
  roles: Role[];
  store: { id: number; name: string } | null;
  teams: Array<{ id: number; name: string }>;
  managedTeams: Array<{ id: number; name: string }>;
}

export interface Store {
  id: number;
  name: string;
}

export interface Channel {
  id: number;
  name: string;
}

export type ConditionValue = string | number | Array<string | number>;

export interface Condition {
  field: string;
  op: 'eq' | 'in' | 'contains';
  value: ConditionValue;
}

export interface AssignmentRule {
  id: number;
  position: number;
  name: string;
  conditions: Condition[];
  teamId: number;
  enabled: boolean;
  createdAt: string;
}

export interface AttributeRule {
  id: string;
  field: string;
  values?: Array<string | number | boolean>;
  min?: number;
  max?: number;
  points: number;
  reason: string;
}

export interface BehaviourRule {
  id: string;
  kind: string;
  values?: string[];
  match?: 'exact' | 'prefix' | 'contains';
  points: number;
  cap?: number;
  reason: string;
}

export interface ScoringRules {
  notes?: string[];
  attributes: AttributeRule[];
  behaviours: BehaviourRule[];
  decay: { afterDays: number; everyDays: number; factor: number };
  thresholds: { gradeA: number; gradeB: number; mql: number; sql: number; hot: number };
}

export interface ScoringRulesInfo {
  source: 'default' | 'override';
  updatedAt: string | null;
  rules: ScoringRules;
}

export interface GradeChangePage {
  scanned: number;
  total: number | null;
  changed: number;
  changes: Array<{ from: Grade; to: Grade; count: number }>;
  nextCursor: string | null;
}

export interface PoolSettings {
  followUpHours: number;
  dailyClaimLimit: number;
  maxHeldLeads: number;
  reclaimCooldownHours: number;
  channelOverrides: Record<string, { followUpHours: number }>;
}
