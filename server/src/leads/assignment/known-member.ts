import type { AppContext } from '../../context';
import { HttpError } from '../../http/errors';
import { Member } from '../../members/member.entity';
import { TeamMember } from '../../teams/team-member.entity';

/**
 * Whether `userId` is someone a lead can be given to: a member of the corp that WeCom lets hold
 * customers. An active member of a Xiansuo team passes at once: an admin put them there, and
 * automatic assignment already gives them leads on that basis. Anyone else must be on WeCom's
 * list of members with the customer-contact permission (externalcontact/get_follow_user_list):
 * that is who can actually add and serve a customer, and the list the contact secret may read
 * (user/get needs address-book access a customer-contact app usually lacks). A userid on neither
 * is a typo or a person who left: 400, instead of a lead owned by nobody real; so is a member the
 * member sync saw disabled or gone. If WeCom cannot
 * answer, the call's own error (502) stands: we do not guess.
 */
export async function assertAssignableMember(ctx: AppContext, userId: string): Promise<void> {
  // A member the sync found disabled in WeCom, or gone from it, serves no customer, whatever team they are still listed in.
  const member = await ctx.dataSource.getRepository(Member).findOne({ select: { userId: true, status: true }, where: { userId } });
  if (member && member.status !== 'active') {
    throw new HttpError(400, 'member_inactive', `成员 ${userId} 已在企业微信停用或离职，不能接收线索`, { fields: [{ path: 'toUserId', message: 'member disabled or left' }] });
  }
  if (await ctx.dataSource.getRepository(TeamMember).existsBy({ userId, active: true })) return;
  const reply = await ctx.wecom.contact.get<{ follow_user?: string[] }>('externalcontact/get_follow_user_list');
  if (reply.follow_user?.includes(userId)) return;
  throw new HttpError(400, 'unknown_member', `${userId} is not an active team member nor a WeCom member with customer-contact permission`, {
    fields: [{ path: 'toUserId', message: 'not a known member' }],
  });
}
