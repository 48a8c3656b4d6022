import type { ActionType, Attachment, ChannelChoice, ChannelRef, Sequence, Step, Trigger } from './types';
import { EXIT_REASONS } from './labels';

/**
 * The editor's model of a sequence: every field of every kind of trigger, step and attachment
 * kept side by side, so switching a step's action type loses nothing typed; `toSequence` turns
 * it into the definition the API validates (and whose 400 `fields` point back at these fields by
 * path), `fromSequence` the other way. The editor checks nothing itself: the server's rules are
 * the only ones, shown where they apply.
 */

let uids = 0;
const uid = () => ++uids;

export interface TriggerForm {
  uid: number;
  type: Trigger['type'];
  /** A channel choice's value: "state:<state>" or "id:<id>" (channelValue). */
  channel: string;
  tag: string;
  grade: string;
}

export interface AttachmentForm {
  uid: number;
  msgtype: Attachment['msgtype'];
  title: string;
  url: string;
  desc: string;
  picurl: string;
  picUrl: string;
  mediaId: string;
  appid: string;
  page: string;
  picMediaId: string;
}

export interface StepForm {
  uid: number;
  id: string;
  name: string;
  delay: { from: 'enrollment' | 'previous_step'; days: number; hours: number; minutes: number };
  conditionOn: boolean;
  condition: { tagsAll: string[]; tagsAny: string[]; tagsNone: string[]; grades: string[]; stages: string[]; channels: string[] };
  actionType: ActionType;
  pushText: string;
  attachments: AttachmentForm[];
  remindText: string;
  tag: string;
  points: number;
  reason: string;
  /** 'default': left out, so the server's default (wait) applies. */
  whenBudgetSpent: 'default' | 'wait' | 'skip' | 'rep_task';
}

export interface SequenceForm {
  key: string;
  name: string;
  description: string;
  enabled: boolean;
  triggers: TriggerForm[];
  steps: StepForm[];
  exitsOn: string[];
  optOutKeywords: string[];
}

export const channelValue = (ref: ChannelRef) => ('state' in ref ? `state:${ref.state}` : `id:${ref.id}`);

function channelRef(value: string): ChannelRef {
  if (value.startsWith('id:')) return { id: Number(value.slice(3)) };
  return { state: value.startsWith('state:') ? value.slice(6) : value };
}

/** A reference by id, shown as the channel's state when that channel exists: the picker lists channels by state. */
function channelFormValue(ref: ChannelRef, channels: ChannelChoice[]): string {
  if ('id' in ref) {
    const found = channels.find((c) => c.id === ref.id);
    if (found) return `state:${found.state}`;
  }
  return channelValue(ref);
}

export function newTrigger(type: Trigger['type'] = 'manual'): TriggerForm {
  return { uid: uid(), type, channel: '', tag: '', grade: 'A' };
}

export function newAttachment(msgtype: Attachment['msgtype'] = 'link'): AttachmentForm {
  return { uid: uid(), msgtype, title: '', url: '', desc: '', picurl: '', picUrl: '', mediaId: '', appid: '', page: '', picMediaId: '' };
}

export function newStep(index: number): StepForm {
  return {
    uid: uid(),
    id: `step-${index + 1}`,
    name: '',
    delay: { from: index === 0 ? 'enrollment' : 'previous_step', days: 1, hours: 0, minutes: 0 },
    conditionOn: false,
    condition: { tagsAll: [], tagsAny: [], tagsNone: [], grades: [], stages: [], channels: [] },
    actionType: 'push_content',
    pushText: '',
    attachments: [],
    remindText: '',
    tag: '',
    points: 5,
    reason: '',
    whenBudgetSpent: 'default',
  };
}

export function emptyForm(): SequenceForm {
  return {
    key: '',
    name: '',
    description: '',
    enabled: true,
    triggers: [newTrigger('manual')],
    steps: [newStep(0)],
    exitsOn: [...EXIT_REASONS],
    optOutKeywords: ['退订', 'TD'],
  };
}

export function fromSequence(s: Sequence, channels: ChannelChoice[]): SequenceForm {
  return {
    key: s.key,
    name: s.name,
    description: s.description ?? '',
    enabled: s.enabled,
    triggers: s.triggers.map((t) => {
      const form = newTrigger(t.type);
      if (t.type === 'channel_capture') form.channel = channelFormValue(t.channel, channels);
      if (t.type === 'tag_added') form.tag = t.tag;
      if (t.type === 'score_band') form.grade = t.grade;
      return form;
    }),
    steps: s.steps.map((step, i) => fromStep(step, i, channels)),
    exitsOn: [...s.exits.on],
    optOutKeywords: [...s.exits.optOutKeywords],
  };
}

function fromStep(step: Step, index: number, channels: ChannelChoice[]): StepForm {
  const form = newStep(index);
  form.id = step.id;
  form.name = step.name ?? '';
  form.delay = { from: step.delay.from, days: step.delay.days ?? 0, hours: step.delay.hours ?? 0, minutes: step.delay.minutes ?? 0 };
  if (step.condition) {
    form.conditionOn = true;
    const c = step.condition;
    form.condition = {
      tagsAll: c.tagsAll ?? [],
      tagsAny: c.tagsAny ?? [],
      tagsNone: c.tagsNone ?? [],
      grades: c.grades ?? [],
      stages: c.stages ?? [],
      channels: (c.channels ?? []).map((ref) => channelFormValue(ref, channels)),
    };
  }
  const a = step.action;
  form.actionType = a.type;
  if (a.type === 'push_content') {
    form.pushText = a.text?.content ?? '';
    form.attachments = (a.attachments ?? []).map(fromAttachment);
  }
  if (a.type === 'remind_rep') form.remindText = a.text;
  if (a.type === 'add_tag' || a.type === 'remove_tag') form.tag = a.tag;
  if (a.type === 'change_score') {
    form.points = a.points;
    form.reason = a.reason;
  }
  form.whenBudgetSpent = step.whenBudgetSpent ?? 'default';
  return form;
}

function fromAttachment(a: Attachment): AttachmentForm {
  const form = newAttachment(a.msgtype);
  if (a.msgtype === 'link') Object.assign(form, { title: a.link.title, url: a.link.url, desc: a.link.desc ?? '', picurl: a.link.picurl ?? '' });
  if (a.msgtype === 'image') Object.assign(form, { picUrl: a.image.pic_url ?? '', mediaId: a.image.media_id ?? '' });
  if (a.msgtype === 'miniprogram') Object.assign(form, { title: a.miniprogram.title, appid: a.miniprogram.appid, page: a.miniprogram.page, picMediaId: a.miniprogram.pic_media_id });
  return form;
}

/** Optional text: left out when empty, so "not given" is not sent as an empty (and refused) value. */
const opt = (v: string) => (v.trim() === '' ? undefined : v);

export function toSequence(f: SequenceForm): Sequence {
  return {
    key: f.key.trim(),
    name: f.name,
    description: opt(f.description),
    enabled: f.enabled,
    triggers: f.triggers.map((t): Trigger => {
      switch (t.type) {
        case 'channel_capture':
          return { type: 'channel_capture', channel: t.channel ? channelRef(t.channel) : ({} as ChannelRef) };
        case 'tag_added':
          return { type: 'tag_added', tag: t.tag };
        case 'score_band':
          return { type: 'score_band', grade: t.grade };
        case 'manual':
          return { type: 'manual' };
      }
    }),
    steps: f.steps.map(toStep),
    exits: { on: [...f.exitsOn], optOutKeywords: [...f.optOutKeywords] },
  };
}

function toStep(f: StepForm): Step {
  const step: Step = { id: f.id, name: opt(f.name), delay: { ...f.delay }, action: toAction(f) };
  if (f.conditionOn) {
    const c = f.condition;
    const list = <T>(v: T[]) => (v.length ? v : undefined);
    step.condition = {
      tagsAll: list(c.tagsAll),
      tagsAny: list(c.tagsAny),
      tagsNone: list(c.tagsNone),
      grades: list(c.grades),
      stages: list(c.stages),
      channels: list(c.channels.map(channelRef)),
    };
  }
  if (f.actionType === 'push_content' && f.whenBudgetSpent !== 'default') step.whenBudgetSpent = f.whenBudgetSpent;
  return step;
}

function toAction(f: StepForm): Step['action'] {
  switch (f.actionType) {
    case 'push_content': {
      const attachments = f.attachments.map(toAttachment);
      // Text may be left out when there is an attachment; otherwise it is sent (empty: the server says it is required).
      const text = f.pushText.trim() !== '' || attachments.length === 0 ? { content: f.pushText } : undefined;
      return { type: 'push_content', text, attachments: attachments.length ? attachments : undefined };
    }
    case 'remind_rep':
      return { type: 'remind_rep', text: f.remindText };
    case 'add_tag':
    case 'remove_tag':
      return { type: f.actionType, tag: f.tag };
    case 'change_score':
      return { type: 'change_score', points: f.points, reason: f.reason };
  }
}

function toAttachment(a: AttachmentForm): Attachment {
  switch (a.msgtype) {
    case 'link':
      return { msgtype: 'link', link: { title: a.title, url: a.url, desc: opt(a.desc), picurl: opt(a.picurl) } };
    case 'image':
      return { msgtype: 'image', image: { pic_url: opt(a.picUrl), media_id: opt(a.mediaId) } };
    case 'miniprogram':
      return { msgtype: 'miniprogram', miniprogram: { title: a.title, appid: a.appid, page: a.page, pic_media_id: a.picMediaId } };
  }
}
