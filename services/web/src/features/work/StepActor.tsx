import type { Step } from "../../api/client";
import { actorName } from "../../components/actors";
import { work } from "./messages";
import { usePeopleNames } from "./people";

/**
 * Who took a step: the person's name, and when they acted under a delegation (ủy quyền, issue 13 item 7) for whom
 * and with which competence — "Trần Văn Phó (KT. thay Nguyễn Văn Lãnh, ủy quyền)". A step the workflow recorded
 * without the actor's name (one it took on a cancellation or a revocation: "Dừng quy trình") is named from the
 * agency's people (a platform service as "Hệ thống (…)"), as is the delegator; their username while the list loads.
 * The people are fetched only when a name is missing.
 */
export function StepActor({ step }: { step: Step }) {
  const nameOf = usePeopleNames(!!step.on_behalf_of || !step.actor_name);
  const actor = step.actor_name || actorName(step.actor, nameOf);
  if (!step.on_behalf_of) return <>{actor}</>;
  return <>{actor} <span data-testid="step-delegation">({work.delegation(step.competence, nameOf(step.on_behalf_of))})</span></>;
}
