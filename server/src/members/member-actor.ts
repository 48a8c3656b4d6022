/** What a member may be in Xiansuo; one member can hold several. */
export const MEMBER_ROLES = ['rep', 'store_staff', 'manager', 'admin'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/**
 * A WeCom member signed in through the mini-program, as the session check (auth/) puts them in
 * ctx.state.actor: who they are and what their roles reach. Policies (policies/) decide from this
 * what the member may see and do; nothing else looks at roles.
 */
export interface MemberActor {
  kind: 'member';
  userId: string;
  roles: MemberRole[];
  /** Store staff: the store they enter members for. */
  storeId: number | null;
  /** Teams the member works in (their pool). */
  teamIds: number[];
  /** Teams the member manages. */
  managedTeamIds: number[];
}
