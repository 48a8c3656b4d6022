import type { AppContext } from '../../context';
import { publishEvent } from '../../events/publish';
import { addLeadTags, tagNamesOf } from '../../leads/lead-tags';
import { leadTaggedEvent } from '../../leads/tags/lead-tagged-event';
import { FormSubmission } from '../form-submission.entity';
import { captureContactInfo } from '../capture-contact-info';
import type { FormDefinition } from './forms-config';
import type { ParsedSubmission } from './parse-submission';

/**
 * Stores one web-form submission and lands it on a lead (found or created, merging duplicates
 * it proves), in one transaction. `formKey` is a form listed in config/forms.json; the form's
 * `source` (else its key) becomes the lead's sourceDetail and the activity value that scoring
 * rules can match, and its tags are put on the lead (lead.tagged for those it did not have).
 */
export async function submitForm(
  app: AppContext,
  formKey: string,
  form: FormDefinition,
  submission: ParsedSubmission,
  ipHash: string,
): Promise<{ submissionId: number; leadId: number; created: boolean }> {
  const result = await app.dataSource.transaction(async (manager) => {
    const now = Date.now();
    const fields: Record<string, unknown> = {
      formKey,
      ...(submission.name ? { name: submission.name } : {}),
      ...(submission.identity.phone ? { phone: submission.identity.phone } : {}),
      ...(submission.identity.email ? { email: submission.identity.email } : {}),
      ...(submission.identity.unionid ? { unionid: submission.identity.unionid } : {}),
      ...(submission.company ? { company: submission.company } : {}),
      ...(submission.message ? { message: submission.message } : {}),
      ...(Object.keys(submission.custom).length ? { custom: submission.custom } : {}),
    };
    // The row exists before the lead is known so its id can key the lead's timeline entry.
    const inserted = await manager.insert(FormSubmission, {
      leadId: 0,
      fields: fields as never,
      utmSource: submission.utm.source,
      utmMedium: submission.utm.medium,
      utmCampaign: submission.utm.campaign,
      utmTerm: submission.utm.term,
      utmContent: submission.utm.content,
      pageUrl: submission.pageUrl,
      referrer: submission.referrer,
      ipHash,
      createdAt: now,
    });
    const submissionId = Number(inserted.identifiers[0].id);
    const { lead, created } = await captureContactInfo(
      manager,
      {
        name: submission.name,
        ...submission.identity,
        corpName: submission.company,
        attributes: submission.custom,
        source: 'form',
        sourceDetail: form.source ?? formKey,
        note: submission.message,
        timelineData: {
          formSubmissionId: submissionId,
          formName: form.name,
          utmSource: submission.utm.source,
          utmCampaign: submission.utm.campaign,
          pageUrl: submission.pageUrl,
        },
        occurredAt: now,
      },
      `form:${submissionId}`,
    );
    await manager.update(FormSubmission, { id: submissionId }, { leadId: lead.id });
    // Tags without a WeCom id: the WeCom tag sync leaves them alone. A tag the lead has is kept as
    // it is, and is no news: only a known lead's tags need reading (a new one has none).
    const had = created || !form.tags.length ? new Set<string>() : new Set(await tagNamesOf(manager, lead.id));
    const newTags = form.tags.filter((name) => !had.has(name));
    await addLeadTags(manager, form.tags.map((name) => ({ leadId: lead.id, name, tagId: null, source: 'form' })), now);
    if (newTags.length) await publishEvent(manager, leadTaggedEvent({ leadId: lead.id, tags: newTags, source: 'form', cause: `form:${submissionId}`, at: now }));
    return { submissionId, leadId: lead.id, created };
  });
  app.kick();
  return result;
}
