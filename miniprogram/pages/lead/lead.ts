import { api, messageOf, toast } from '../../utils/api';
import { leadsVersion, markLeadsChanged } from '../../utils/changes';
import { formatDateTime } from '../../utils/format';
import { GENDER_LABELS, kindLabel, outcomeLabel } from '../../utils/labels';
import { memberOrSignIn } from '../../utils/session';
import type { FollowUp, LeadDetail, NurtureEnrollment, NurtureSequenceOption, StageOption, TagOption } from '../../utils/types';

const GRADE_THEMES: Record<string, string> = { A: 'danger', B: 'warning', C: 'primary', D: 'default' };
const PURPOSES = ['电话回访客户', '预约上门拜访', '核对客户信息'];

interface TagGroup {
  name: string;
  tags: { name: string; checked: boolean }[];
}

function followUpView(f: FollowUp) {
  return {
    id: f.id,
    kindLabel: kindLabel(f.kind),
    outcomeLabel: outcomeLabel(f.outcome),
    content: f.content,
    time: formatDateTime(f.createdAt),
    nextStep: formatDateTime(f.nextStepAt),
    nextStepNote: f.nextStepNote,
  };
}

const ENROLLMENT_THEMES: Record<string, string> = { active: 'success', completed: 'primary', exited: 'default' };

function enrollmentView(e: NurtureEnrollment) {
  const step = e.nextStepIndex === null ? '' : `第 ${e.nextStepIndex + 1} 步${e.nextStepName ? `「${e.nextStepName}」` : ''}`;
  return {
    id: e.id,
    sequenceKey: e.sequenceKey,
    name: e.sequenceName,
    active: e.status === 'active',
    statusLabel: e.statusLabel,
    theme: ENROLLMENT_THEMES[e.status] ?? 'default',
    reasonText: e.reasonText,
    enrolled: formatDateTime(e.enrolledAt),
    steps: e.stepCount ? `共 ${e.stepCount} 步` : '',
    nextStep: step,
    nextDue: formatDateTime(e.nextDueAt),
    exitText: e.exitedAt ? `${e.exitReasonText || e.statusLabel} · ${formatDateTime(e.exitedAt)}` : '',
  };
}

interface SequenceChoice extends NurtureSequenceOption {
  /** The lead is in it now: a second enrollment would be refused. */
  inIt: boolean;
}

function groupTags(tags: TagOption[], selected: string[]): TagGroup[] {
  const groups = new Map<string, TagGroup>();
  for (const tag of tags) {
    const name = tag.group || '其他';
    if (!groups.has(name)) groups.set(name, { name, tags: [] });
    groups.get(name)!.tags.push({ name: tag.name, checked: selected.includes(tag.name) });
  }
  return Array.from(groups.values());
}

/**
 * One lead: profile, score with its breakdown, masked phone with a logged reveal, tags, follow-ups,
 * its nurture enrollments and the whole timeline; the actions the server allows (`actions`):
 * follow-up, stage, claim, return; enrolling in a nurture sequence and stopping one when the
 * nurture reply says so (`canManage`). Opened with `id`, or with `externalUserId` from the chat
 * toolbar (pages/chat-tool).
 */
Component({
  data: {
    id: '',
    externalUserId: '',
    state: 'loading',
    errorText: '',
    lead: null as LeadDetail | null,
    initial: '',
    gradeTheme: 'default',
    genderLabel: '',
    nextStep: '',
    lastInteraction: '',
    followUps: [] as ReturnType<typeof followUpView>[],
    timeline: [] as { id: number; summary: string; time: string }[],
    hasActions: false,
    revealedPhone: '',
    loadedVersion: 0,
    sheet: '',
    sheetError: '',
    busy: '',
    purposes: PURPOSES,
    purpose: '',
    reason: '',
    stageOptions: [] as StageOption[],
    pickedStage: '',
    tagsLoading: false,
    tagsError: '',
    tagGroups: [] as TagGroup[],
    pickedTags: [] as string[],
    nurtureState: 'loading',
    nurtureError: '',
    nurture: [] as ReturnType<typeof enrollmentView>[],
    canNurture: false,
    sequencesLoading: false,
    sequencesError: '',
    sequenceChoices: [] as SequenceChoice[],
    pickedSequence: '',
    stopping: null as { id: number; name: string } | null,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>): void {
      if (!memberOrSignIn()) return;
      this.setData({ id: query.id ?? '', externalUserId: query.externalUserId ? decodeURIComponent(query.externalUserId) : '' });
      this.load();
    },
    onShow(): void {
      if (this.data.lead && this.data.loadedVersion !== leadsVersion()) this.refresh();
    },
    async onPullDownRefresh(): Promise<void> {
      await this.refresh();
      wx.stopPullDownRefresh();
    },

    async load(): Promise<void> {
      this.setData({ state: 'loading', errorText: '' });
      await this.refresh();
    },

    /** Fetches the lead again, keeping what is on screen until the answer is there. */
    async refresh(): Promise<void> {
      const { id, externalUserId } = this.data;
      if (!id && !externalUserId) {
        this.setData({ state: 'error', errorText: '没有指定线索' });
        return;
      }
      const version = leadsVersion();
      try {
        const lead = externalUserId && !id ? await api.contactLead(externalUserId) : await api.lead(id);
        this.show(lead, version);
      } catch (error) {
        if (!this.data.lead) this.setData({ state: 'error', errorText: messageOf(error) });
        else toast(messageOf(error));
        return;
      }
      await this.loadNurture();
    },

    /** The lead's nurture, in its own section: its own loading and error states, so the rest of the page does not wait. */
    async loadNurture(): Promise<void> {
      const lead = this.data.lead;
      if (!lead) return;
      // A reload keeps the list on screen until the answer is there.
      if (this.data.nurtureState !== 'ready') this.setData({ nurtureState: 'loading', nurtureError: '' });
      try {
        const { canManage, enrollments } = await api.leadNurture(lead.id);
        this.setData({ nurtureState: 'ready', canNurture: canManage, nurture: enrollments.map(enrollmentView) });
      } catch (error) {
        if (this.data.nurtureState !== 'ready') this.setData({ nurtureState: 'error', nurtureError: messageOf(error) });
      }
    },

    show(lead: LeadDetail, version: number): void {
      const a = lead.actions;
      wx.setNavigationBarTitle({ title: lead.name || '线索详情' });
      this.setData({
        id: String(lead.id),
        lead,
        state: 'ready',
        loadedVersion: version,
        initial: (lead.name || '客').slice(0, 1),
        gradeTheme: GRADE_THEMES[lead.grade ?? ''] ?? 'default',
        genderLabel: lead.gender ? GENDER_LABELS[String(lead.gender)] : '',
        nextStep: formatDateTime(lead.nextStepAt),
        lastInteraction: formatDateTime(lead.lastInteractionAt),
        followUps: lead.followUps.map(followUpView),
        timeline: lead.timeline.map((t) => ({ id: t.id, summary: t.summary, time: formatDateTime(t.occurredAt) })),
        hasActions: a.canClaim || a.canFollowUp || a.canChangeStage || a.canReturn,
      });
    },

    /** After an action: the lists are stale, and this page shows the lead as it is now. */
    async changed(message: string): Promise<void> {
      markLeadsChanged();
      toast(message);
      this.setData({ sheet: '', busy: '', sheetError: '' });
      await this.refresh();
    },

    closeSheet(): void {
      if (this.data.busy) return;
      this.setData({ sheet: '', sheetError: '' });
    },
    onReason(event: WechatMiniprogram.Input): void {
      this.setData({ reason: event.detail.value });
    },

    openReveal(): void {
      this.setData({ sheet: 'reveal', purpose: '', sheetError: '' });
    },
    pickPurpose(event: WechatMiniprogram.TouchEvent): void {
      this.setData({ purpose: String(event.currentTarget.dataset.value) });
    },
    onPurpose(event: WechatMiniprogram.Input): void {
      this.setData({ purpose: event.detail.value });
    },
    async reveal(): Promise<void> {
      const purpose = this.data.purpose.trim();
      if (purpose.length < 2 || purpose.length > 100) {
        this.setData({ sheetError: '请填写查看用途（2–100 字）' });
        return;
      }
      this.setData({ busy: 'reveal', sheetError: '' });
      try {
        const { phone } = await api.revealPhone(this.data.lead!.id, purpose);
        this.setData({ revealedPhone: phone, sheet: '', busy: '' });
      } catch (error) {
        this.setData({ busy: '', sheetError: messageOf(error) });
      }
    },
    call(): void {
      wx.makePhoneCall({ phoneNumber: this.data.revealedPhone });
    },

    async openStage(): Promise<void> {
      this.setData({ sheet: 'stage', reason: '', pickedStage: '', sheetError: '' });
      if (!this.data.stageOptions.length) {
        try {
          this.setData({ stageOptions: await api.stages() });
        } catch (error) {
          this.setData({ sheetError: messageOf(error) });
        }
      }
      this.setData({ stageOptions: this.data.stageOptions.filter((s) => s.stage !== this.data.lead!.stage) });
    },
    onStagePick(event: WechatMiniprogram.CustomEvent<{ value: string }>): void {
      this.setData({ pickedStage: event.detail.value });
    },
    async changeStage(): Promise<void> {
      const stage = this.data.pickedStage;
      if (!stage) {
        this.setData({ sheetError: '请选择新的阶段' });
        return;
      }
      this.setData({ busy: 'stage', sheetError: '' });
      try {
        const { lead } = await api.changeStage(this.data.lead!.id, stage, this.data.reason.trim() || undefined);
        this.setData({ stageOptions: [] });
        await this.changed(`阶段已变更为「${lead.stageLabel}」`);
      } catch (error) {
        this.setData({ busy: '', sheetError: messageOf(error) });
      }
    },

    async claim(): Promise<void> {
      this.setData({ busy: 'claim' });
      try {
        await api.claim(this.data.lead!.id);
        await this.changed('认领成功');
      } catch {
        this.setData({ busy: '' });
        markLeadsChanged();
        await this.refresh();
      }
    },

    openReturn(): void {
      this.setData({ sheet: 'return', reason: '', sheetError: '' });
    },
    async returnToPool(): Promise<void> {
      const reason = this.data.reason.trim();
      if (!reason) {
        this.setData({ sheetError: '请填写退回原因' });
        return;
      }
      this.setData({ busy: 'return', sheetError: '' });
      try {
        await api.returnToPool(this.data.lead!.id, reason);
        await this.changed('已退回公海');
      } catch (error) {
        this.setData({ busy: '', sheetError: messageOf(error) });
      }
    },

    async openTags(): Promise<void> {
      const selected = this.data.lead!.tags.slice();
      this.setData({ sheet: 'tags', tagsLoading: true, tagsError: '', tagGroups: [], pickedTags: selected, sheetError: '' });
      try {
        const tags = await api.tags();
        this.setData({ tagsLoading: false, tagGroups: groupTags(tags, selected) });
      } catch (error) {
        this.setData({ tagsLoading: false, tagsError: messageOf(error) });
      }
    },
    onTagsPick(event: WechatMiniprogram.CustomEvent<{ value: string[] }>): void {
      this.setData({ pickedTags: event.detail.value });
    },
    async saveTags(): Promise<void> {
      this.setData({ busy: 'tags' });
      try {
        const { tags } = await api.setTags(this.data.lead!.id, this.data.pickedTags);
        this.setData({ 'lead.tags': tags });
        await this.changed('标签已保存');
      } catch {
        this.setData({ busy: '' });
      }
    },

    async openEnroll(): Promise<void> {
      this.setData({ sheet: 'enroll', pickedSequence: '', sheetError: '', sequencesLoading: true, sequencesError: '', sequenceChoices: [] });
      try {
        const { sequences } = await api.nurtureSequences();
        const inIt = new Set(this.data.nurture.filter((e) => e.active).map((e) => e.sequenceKey));
        this.setData({ sequencesLoading: false, sequenceChoices: sequences.map((s) => ({ ...s, inIt: inIt.has(s.key) })) });
      } catch (error) {
        this.setData({ sequencesLoading: false, sequencesError: messageOf(error) });
      }
    },
    onSequencePick(event: WechatMiniprogram.CustomEvent<{ value: string }>): void {
      this.setData({ pickedSequence: event.detail.value });
    },
    async enroll(): Promise<void> {
      const picked = this.data.sequenceChoices.find((s) => s.key === this.data.pickedSequence);
      if (!picked) {
        this.setData({ sheetError: '请选择培育序列' });
        return;
      }
      this.setData({ busy: 'enroll', sheetError: '' });
      try {
        await api.enrollNurture(this.data.lead!.id, picked.key);
        await this.changed(`已加入培育「${picked.name}」`);
      } catch (error) {
        this.setData({ busy: '', sheetError: messageOf(error) });
      }
    },

    openStopNurture(event: WechatMiniprogram.TouchEvent): void {
      const item = this.data.nurture.find((e) => e.id === Number(event.currentTarget.dataset.id));
      if (!item) return;
      this.setData({ sheet: 'stop-nurture', stopping: { id: item.id, name: item.name }, sheetError: '' });
    },
    async stopNurture(): Promise<void> {
      const stopping = this.data.stopping!;
      this.setData({ busy: 'stop-nurture', sheetError: '' });
      try {
        await api.stopNurture(this.data.lead!.id, stopping.id);
        await this.changed(`已停止培育「${stopping.name}」`);
      } catch (error) {
        this.setData({ busy: '', sheetError: messageOf(error) });
        // Ended meanwhile (the sequence finished, or a colleague stopped it): show it as it is.
        await this.loadNurture();
      }
    },

    goFollowUp(): void {
      const lead = this.data.lead!;
      wx.navigateTo({ url: `/pages/follow-up/follow-up?leadId=${lead.id}&name=${encodeURIComponent(lead.name)}` });
    },
  },
});
