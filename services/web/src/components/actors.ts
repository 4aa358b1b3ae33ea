import { usePeopleNames } from "../features/work/people";

/** The platform's services as histories name them: their client id or its Keycloak service account. */
const SERVICE_ACTOR = /^(?:service-account-)?vanthu-(registry|storage|signing|gateway|workflow|interchange|search|records)$/;

/** The platform's own actors in a history (a service, the demo data's seeding), in words a clerk reads. */
export const SYSTEM_ACTORS: Record<string, string> = {
  interchange: "Hệ thống (liên thông văn bản)",
  signing: "Hệ thống (kiểm tra chữ ký số)",
  workflow: "Hệ thống (xử lý văn bản)",
  records: "Hệ thống (lưu trữ)",
};
export const SYSTEM = "Hệ thống";
export const SEED = "Dữ liệu khởi tạo";

/**
 * Who made a history entry, as a civil servant reads it: one of the platform's services ("vanthu-signing",
 * "service-account-vanthu-interchange") is "Hệ thống (…)" saying which part; the demo data's "seed" is "Dữ liệu
 * khởi tạo"; a person is their name from the agency's people (``nameOf``: their username while the list loads, or
 * for someone who left).
 */
export function actorName(actor: string, nameOf: (username: string) => string): string {
  if (actor === "seed") return SEED;
  const service = SERVICE_ACTOR.exec(actor)?.[1];
  return service ? SYSTEM_ACTORS[service] ?? SYSTEM : nameOf(actor);
}

/** :func:`actorName` with the agency's people read once (``/api/v1/people``). */
export function useActorName(): (actor: string) => string {
  const nameOf = usePeopleNames();
  return (actor: string) => actorName(actor, nameOf);
}
