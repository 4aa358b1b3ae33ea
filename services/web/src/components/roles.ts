import { useAuth } from "../auth/AuthProvider";
import type { Role } from "../auth/claims";

/**
 * Whether the signed-in person has one of ``roles``. The interface only hides what the server would refuse anyway
 * (libs/vanthu-core policy.py is the judge); a refusal that still comes is shown as the gateway's problem.
 */
export function useHasRole(...roles: Role[]): boolean {
  const { person } = useAuth();
  return (person?.roles ?? []).some((r) => roles.includes(r));
}

/** Who keeps the register books: open, continue a series, close (policy.py REGISTER_KEEPERS). */
export const REGISTER_KEEPERS: Role[] = ["clerk", "admin"];
/** Who prints or exports a register book (policy.py, ExportRegister). */
export const REGISTER_READERS: Role[] = ["clerk", "leader", "archivist", "admin"];
/** Who has a signing profile of their own or of the agency (policy.py, GetProfile). */
export const PROFILE_READERS: Role[] = ["leader", "head", "clerk", "admin"];
/** Who changes a signature image: their own (leader, head) or the agency's seal (admin) (policy.py, SetProfileImage). */
export const IMAGE_SETTERS: Role[] = ["leader", "head", "admin"];
/** Who cancels an outgoing document before it is numbered (policy.py, CancelDocument: clerk, leader; its drafter
 * is refused by the server, so the drafter is not offered it). */
export const CANCELLERS: Role[] = ["clerk", "leader"];
