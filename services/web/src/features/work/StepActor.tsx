import type { Step } from "../../api/client";
import { work } from "./messages";
import { usePeopleNames } from "./people";

/**
 * Who took a step: the person's name, and when they acted under a delegation (ủy quyền, issue 13 item 7) for whom
 * and with which competence — "Trần Văn Phó (KT. thay Nguyễn Văn Lãnh, ủy quyền)". The delegator's name comes from
 * the agency's people (their username while it loads).
 */
export function StepActor({ step }: { step: Step }) {
  const nameOf = usePeopleNames(!!step.on_behalf_of);
  const actor = step.actor_name || step.actor;
  if (!step.on_behalf_of) return <>{actor}</>;
  return <>{actor} <span data-testid="step-delegation">({work.delegation(step.competence, nameOf(step.on_behalf_of))})</span></>;
}
