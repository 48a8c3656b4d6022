/** GET /api/console/dashboard (server/src/console/dashboard.ts). */
export interface Dashboard {
  from: string;
  to: string;
  funnel: Array<{ stage: string; label: string; count: number }>;
  channels: Array<{ id: number | null; name: string; leads: number; won: number; conversionRate: number | null }>;
  responseTimes: Array<{ userId: string; name: string; medianMinutes: number | null; leads: number; chatMedianMinutes: number | null; chatReplies: number }>;
  adds: { today: number; thisWeek: number; byDay: Array<{ date: string; count: number }> };
  hotWithoutFollowUp: {
    threshold: number;
    leads: Array<{ id: number; name: string; score: number; grade: string | null; ownerUserId: string | null; stage: string; createdAt: string }>;
  };
}
