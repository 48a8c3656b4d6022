import { z } from 'zod';
import { LEAD_STAGES } from '../../leads/lead.entity';
import { utf8Bytes } from '../../util/utf8';

/**
 * The shape of a nurture sequence (issue 11): config/nurture-sequences.json (the defaults) and
 * the admin API (stored in `nurture_sequence`). This file only says what a valid definition is;
 * enrollment, step execution, the message budget and sending live elsewhere and read it.
 *
 * Names follow the code: stages are LEAD_STAGES (new … won, lost), score bands are the lead's
 * grade A/B/C (scoring thresholds gradeA/gradeB), tags are lead tag names (lead_tag.name, ≤64
 * characters), channels are channel QR codes by row id or by their `state` key.
 */

/** A string of at most `max` UTF-8 bytes: WeCom counts bytes, so 4000 bytes is ~1333 Chinese characters. */
const bytes = (max: number, what: string) =>
  z
    .string()
    .refine((s) => utf8Bytes(s) <= max, { message: `${what} is at most ${max} bytes (UTF-8; a Chinese character is 3 bytes)` });
const required = (what: string) => z.string().trim().min(1, `${what} is required`);
const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .max(2048)
    .regex(/^https?:\/\/[^\s]+$/i, `${what} must be an http(s) URL`);

export const SEQUENCE_KEY = /^[a-z][a-z0-9_-]{1,63}$/;
export const sequenceKeySchema = z.string().trim().regex(SEQUENCE_KEY, 'key is 2-64 lowercase letters, digits, _ or -, starting with a letter (e.g. expo-awareness)');
const stepId = z.string().trim().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'step id is 1-40 lowercase letters, digits, _ or -, starting with a letter');

/** A lead tag by name, as lead_tag stores it. */
export const tagName = z
  .string()
  .trim()
  .min(1, 'tag name is required')
  .max(64, 'tag name is at most 64 characters');

/** A channel QR code: by row id (GET /api/admin/channels) or by its `state` key, which survives a re-import of the config. */
export const channelRef = z.union(
  [
    z.object({ id: z.number().int().positive('channel id is a positive integer') }).strict(),
    z.object({ state: z.string().trim().regex(/^[A-Za-z0-9]{1,30}$/, 'channel state is 1-30 letters or digits') }).strict(),
  ],
  { error: 'channel is { "id": <channel id> } or { "state": "<channel state>" }' },
);

export const LEAD_GRADES = ['A', 'B', 'C'] as const;
const grade = z.enum(LEAD_GRADES, { error: 'grade (score band) is A, B or C' });
const stage = z.enum(LEAD_STAGES, { error: `stage is one of ${LEAD_STAGES.join(', ')}` });

// ---- Enrollment triggers -------------------------------------------------------------------

export const triggerSchema = z.discriminatedUnion(
  'type',
  [
    /** The lead was captured (added the rep) through this channel. */
    z.object({ type: z.literal('channel_capture'), channel: channelRef }).strict(),
    /** The lead got this tag (from a rep, a channel, WeCom or a sequence step). */
    z.object({ type: z.literal('tag_added'), tag: tagName }).strict(),
    /** The lead's score entered this band (its grade became this one). */
    z.object({ type: z.literal('score_band'), grade }).strict(),
    /** Enrolled by hand from the admin API or the mini-program. */
    z.object({ type: z.literal('manual') }).strict(),
  ],
  { error: 'trigger type is channel_capture, tag_added, score_band or manual' },
);

// ---- Step conditions -----------------------------------------------------------------------

/** Every given part must hold for the step to run; a step whose condition fails is skipped. */
export const conditionSchema = z
  .object({
    /** The lead has every one of these tags. */
    tagsAll: z.array(tagName).min(1).max(20).optional(),
    /** The lead has at least one of these tags. */
    tagsAny: z.array(tagName).min(1).max(20).optional(),
    /** The lead has none of these tags. */
    tagsNone: z.array(tagName).min(1).max(20).optional(),
    /** The lead's grade (score band) is one of these. */
    grades: z.array(grade).min(1).max(3).optional(),
    stages: z.array(stage).min(1).max(LEAD_STAGES.length).optional(),
    /** The lead was captured through one of these channels. */
    channels: z.array(channelRef).min(1).max(50).optional(),
  })
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), {
    message: 'a condition needs at least one of tagsAll, tagsAny, tagsNone, grades, stages, channels (or leave it out)',
  });

// ---- Actions -------------------------------------------------------------------------------

/**
 * add_msg_template attachments (wecom-reference.md §4.3/§4.4; wecom/dto.ts MessageAttachment).
 * Nurture pushes link, image and mini-program attachments; media ids expire after 3 days in
 * WeCom, so an image is best given as pic_url.
 */
const imageAttachment = z
  .object({
    msgtype: z.literal('image'),
    image: z
      .object({ media_id: required('image.media_id').max(256).optional(), pic_url: httpUrl('image.pic_url').optional() })
      .strict()
      .refine((i) => (i.media_id === undefined) !== (i.pic_url === undefined), { message: 'image needs exactly one of media_id or pic_url' }),
  })
  .strict();
const linkAttachment = z
  .object({
    msgtype: z.literal('link'),
    link: z
      .object({
        title: required('link.title').pipe(bytes(128, 'link.title')),
        picurl: httpUrl('link.picurl').optional(),
        desc: bytes(512, 'link.desc').optional(),
        url: httpUrl('link.url'),
      })
      .strict(),
  })
  .strict();
const miniprogramAttachment = z
  .object({
    msgtype: z.literal('miniprogram'),
    miniprogram: z
      .object({
        title: required('miniprogram.title').pipe(bytes(64, 'miniprogram.title')),
        pic_media_id: required('miniprogram.pic_media_id').max(256),
        appid: z.string().trim().regex(/^wx[0-9a-f]{16}$/i, 'miniprogram.appid is a mini-program AppID (wx + 16 hex digits)'),
        page: required('miniprogram.page').max(512),
      })
      .strict(),
  })
  .strict();
export const attachmentSchema = z.discriminatedUnion('msgtype', [imageAttachment, linkAttachment, miniprogramAttachment], {
  error: 'attachment msgtype is link, image or miniprogram',
});

/** WeCom's caps on add_msg_template content. */
export const PUSH_TEXT_MAX_BYTES = 4000;
export const PUSH_MAX_ATTACHMENTS = 9;
/** message/send text content: 2048 bytes. */
export const REMIND_TEXT_MAX_BYTES = 2048;

export const actionSchema = z.discriminatedUnion(
  'type',
  [
    /** A message to the customer through add_msg_template (chat_type single), sent by the lead's owner. */
    z
      .object({
        type: z.literal('push_content'),
        text: z.object({ content: required('text.content').pipe(bytes(PUSH_TEXT_MAX_BYTES, 'text.content')) }).strict().optional(),
        attachments: z.array(attachmentSchema).max(PUSH_MAX_ATTACHMENTS, `at most ${PUSH_MAX_ATTACHMENTS} attachments`).optional(),
      })
      .strict()
      .refine((a) => a.text !== undefined || (a.attachments?.length ?? 0) > 0, { message: 'push_content needs text or at least one attachment' }),
    /** A reminder to the lead's owner through message/send (text). */
    z.object({ type: z.literal('remind_rep'), text: required('text').pipe(bytes(REMIND_TEXT_MAX_BYTES, 'text')) }).strict(),
    z.object({ type: z.literal('add_tag'), tag: tagName }).strict(),
    z.object({ type: z.literal('remove_tag'), tag: tagName }).strict(),
    /** Points added to (or, negative, taken from) the lead's score, with the reason reps read in its breakdown. */
    z
      .object({
        type: z.literal('change_score'),
        points: z.number().int('points must be an integer').min(-100).max(100).refine((p) => p !== 0, 'points must not be 0'),
        reason: required('reason').max(100),
      })
      .strict(),
  ],
  { error: 'action type is push_content, remind_rep, add_tag, remove_tag or change_score' },
);

// ---- Steps ---------------------------------------------------------------------------------

export const WHEN_BUDGET_SPENT = ['wait', 'skip', 'rep_task'] as const;
export type WhenBudgetSpent = (typeof WHEN_BUDGET_SPENT)[number];

export const MAX_DELAY_MINUTES = 366 * 24 * 60;

/** How long after enrollment (or after the previous step ran) the step is due. */
export const delaySchema = z
  .object({
    from: z.enum(['enrollment', 'previous_step'], { error: 'delay.from is enrollment or previous_step' }),
    days: z.number().int().min(0).max(366).default(0),
    hours: z.number().int().min(0).max(24 * 366).default(0),
    minutes: z.number().int().min(0).max(MAX_DELAY_MINUTES).default(0),
  })
  .strict()
  .refine((d) => delayMinutes(d) <= MAX_DELAY_MINUTES, { message: 'a delay is at most 366 days' });

export function delayMinutes(d: { days: number; hours: number; minutes: number }): number {
  return d.days * 24 * 60 + d.hours * 60 + d.minutes;
}

export const stepSchema = z
  .object({
    id: stepId,
    /** For the funnel and the admin UI. */
    name: z.string().trim().min(1).max(64).optional(),
    delay: delaySchema,
    condition: conditionSchema.optional(),
    action: actionSchema,
    /**
     * push_content only: what happens when the customer's corp budget or our monthly cap is
     * spent. `wait` (default) until it frees; `skip` the step; `rep_task`: ask the rep to send it
     * by hand in the chat. Quiet hours and the one-push-a-day rule always wait: they free within a day.
     */
    whenBudgetSpent: z.enum(WHEN_BUDGET_SPENT, { error: 'whenBudgetSpent is wait, skip or rep_task' }).optional(),
  })
  .strict()
  .refine((step) => step.whenBudgetSpent === undefined || step.action.type === 'push_content', {
    message: 'whenBudgetSpent applies to push_content steps only',
    path: ['whenBudgetSpent'],
  });

// ---- Exits ---------------------------------------------------------------------------------

export const EXIT_REASONS = ['customer_reply', 'reached_sql', 'won', 'lost', 'customer_deleted_rep', 'opt_out_keyword', 'sequence_end'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];
/** Exits every sequence honours: nothing can be pushed to a customer who deleted the rep, and a finished sequence is finished. */
export const ALWAYS_EXITS: readonly ExitReason[] = ['customer_deleted_rep', 'sequence_end'];
/** What a customer sends to stop: 退订 and TD are what Chinese marketing messages conventionally offer. */
export const DEFAULT_OPT_OUT_KEYWORDS = ['退订', 'TD'];

export const exitsSchema = z
  .object({
    on: z
      .array(z.enum(EXIT_REASONS, { error: `exit reason is one of ${EXIT_REASONS.join(', ')}` }))
      .min(1)
      .default([...EXIT_REASONS]),
    optOutKeywords: z.array(z.string().trim().min(1, 'an opt-out keyword is not empty').max(20)).max(20).default(DEFAULT_OPT_OUT_KEYWORDS),
  })
  .strict()
  .superRefine((e, ctx) => {
    for (const reason of ALWAYS_EXITS) {
      if (!e.on.includes(reason)) ctx.addIssue({ code: 'custom', path: ['on'], message: `every sequence exits on ${reason}; keep it in the list` });
    }
    if (new Set(e.on).size !== e.on.length) ctx.addIssue({ code: 'custom', path: ['on'], message: 'an exit reason is listed twice' });
    if (e.on.includes('opt_out_keyword') && e.optOutKeywords.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['optOutKeywords'], message: 'opt_out_keyword needs at least one keyword' });
    }
  });

// ---- The sequence --------------------------------------------------------------------------

export const MAX_STEPS = 50;

export const sequenceSchema = z
  .object({
    key: sequenceKeySchema,
    /** What marketers and managers read, usually Chinese. */
    name: z.string().trim().min(1, 'name is required').max(64, 'name is at most 64 characters'),
    description: z.string().trim().max(500).optional(),
    enabled: z.boolean().default(true),
    triggers: z.array(triggerSchema).min(1, 'a sequence needs at least one trigger (use { "type": "manual" } for hand enrollment only)').max(20),
    steps: z.array(stepSchema).min(1, 'a sequence needs at least one step').max(MAX_STEPS, `at most ${MAX_STEPS} steps`),
    exits: exitsSchema.default({ on: [...EXIT_REASONS], optOutKeywords: DEFAULT_OPT_OUT_KEYWORDS }),
  })
  .strict()
  .superRefine((s, ctx) => {
    const ids = new Set<string>();
    s.steps.forEach((step, i) => {
      if (ids.has(step.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id "${step.id}"` });
      ids.add(step.id);
    });
    const seen = new Set<string>();
    s.triggers.forEach((t, i) => {
      const k = JSON.stringify(t);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: ['triggers', i], message: 'the same trigger is listed twice' });
      seen.add(k);
    });
    if (!s.steps.some((step) => step.action.type === 'push_content' || step.action.type === 'remind_rep')) {
      ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a sequence needs at least one push_content or remind_rep step' });
    }
  });

/**
 * A replacement for the sequence under `key` (PUT in the admin API and the console): the body's
 * key may be left out; naming another one is a mistake, not a rename.
 */
export function parseSequenceReplacement(key: string, body: unknown): Sequence {
  const fields = z.record(z.string(), z.unknown(), { error: 'the body is a sequence (a JSON object)' }).parse(body ?? {});
  return sequenceSchema
    .refine((s) => s.key === key, { path: ['key'], message: `key must be "${key}", as in the path (a sequence is not renamed)` })
    .parse({ key, ...fields });
}

/** The file: config/nurture-sequences.json. */
export const sequenceFileSchema = z
  .object({
    notes: z.array(z.string().max(2000)).max(50).optional(),
    sequences: z.array(sequenceSchema).max(200).default([]),
  })
  .strict()
  .superRefine((f, ctx) => {
    const keys = new Set<string>();
    f.sequences.forEach((s, i) => {
      if (keys.has(s.key)) ctx.addIssue({ code: 'custom', path: ['sequences', i, 'key'], message: `duplicate sequence key "${s.key}"` });
      keys.add(s.key);
    });
  });

export type SequenceInput = z.input<typeof sequenceSchema>;
export type Sequence = z.output<typeof sequenceSchema>;
export type SequenceTrigger = Sequence['triggers'][number];
export type SequenceStep = Sequence['steps'][number];
export type SequenceAction = SequenceStep['action'];
export type SequenceCondition = z.output<typeof conditionSchema>;
export type ChannelRef = z.output<typeof channelRef>;
