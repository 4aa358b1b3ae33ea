import { useQuery } from "@tanstack/react-query";
import { unwrap, type Delegation } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import type { Person } from "../../auth/claims";

/**
 * Ủy quyền (issue 13 item 7; Decree 30/2020 Art. 13): where a delegation stands on ``today`` (YYYY-MM-DD, Vietnam) —
 * thu hồi wins; then before its first day, after its last, else in force. The server's ``active`` says the same for
 * its own today; the page judges by the browser's Vietnam date so that the list and the Home notice agree.
 */
export type DelegationState = "active" | "pending" | "expired" | "revoked";

export function delegationState(d: Pick<Delegation, "valid_from" | "valid_to" | "revoked_at">,
  today: string): DelegationState {
  if (d.revoked_at) return "revoked";
  if (today < d.valid_from) return "pending";
  if (today > d.valid_to) return "expired";
  return "active";
}

/** Whether ``d`` was given to ``person`` (its deputy: by subject, the token's ``sub``). */
export function receivedBy(d: Pick<Delegation, "deputy">, person: Person | null | undefined): boolean {
  return !!person?.subject && d.deputy === person.subject;
}

/**
 * The delegations the signed-in person gave or received (a leader: all of the agency's), newest first, as
 * ``GET /api/v1/workflow/delegations`` returns them (``activeOnly``: those in force today). ``enabled``: ask at all.
 */
export function useDelegations({ activeOnly = false, enabled = true }: { activeOnly?: boolean; enabled?: boolean } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: ["delegations", activeOnly],
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/delegations",
      { params: { query: { active_only: activeOnly } } })),
    enabled,
    staleTime: 60_000,
  });
}

/**
 * The delegations in force today given to the signed-in person (they deputise: the delegator's tasks reach them);
 * empty while loading, on an error, or when none. ``enabled``: ask at all.
 */
export function useActingFor(enabled = true): Delegation[] {
  const { person } = useAuth();
  const found = useDelegations({ activeOnly: true, enabled: enabled && !!person?.subject });
  return (found.data ?? []).filter((d) => d.active && receivedBy(d, person));
}
