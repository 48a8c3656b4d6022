import { formatDateTime } from '../../utils/format';
import type { LeadCard } from '../../utils/types';

const GRADE_THEMES: Record<string, string> = { A: 'danger', B: 'warning', C: 'primary', D: 'default' };

/** One lead in a list: name, grade, score, masked phone, stage, channel, tags, next step. Tap → `open` with the id. */
Component({
  properties: {
    lead: { type: Object, value: null as unknown as LeadCard },
  },
  data: {
    initial: '',
    gradeTheme: 'default',
    nextStep: '',
    overdue: false,
    lastInteraction: '',
  },
  observers: {
    lead(lead: LeadCard | null): void {
      if (!lead) return;
      this.setData({
        initial: (lead.name || '客').slice(0, 1),
        gradeTheme: GRADE_THEMES[lead.grade ?? ''] ?? 'default',
        nextStep: formatDateTime(lead.nextStepAt),
        overdue: !!lead.nextStepAt && new Date(lead.nextStepAt).getTime() < Date.now(),
        lastInteraction: formatDateTime(lead.lastInteractionAt),
      });
    },
  },
  methods: {
    onTap(): void {
      this.triggerEvent('open', { id: (this.data.lead as LeadCard).id });
    },
  },
});
