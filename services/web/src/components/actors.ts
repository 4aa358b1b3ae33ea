import { usePeopleNames } from "../features/work/people";

/** The platform's own actors in a history (services, the demo data's seeding), in words a clerk reads. */
export const SYSTEM_ACTORS: Record<string, string> = {
  "vanthu-signing": "Hệ thống ký số",
  "vanthu-interchange": "Hệ thống liên thông",
  "vanthu-workflow": "Hệ thống xử lý công việc",
  "vanthu-records": "Hệ thống lưu trữ",
  "vanthu-registry": "Hệ thống quản lý văn bản",
  "vanthu-storage": "Kho lưu tệp",
  "vanthu-gateway": "Hệ thống",
  seed: "Dữ liệu khởi tạo",
};

/**
 * ``actor`` (a username or a service's name, as histories record it) → the person's name from the agency's
 * people, the system's words for a service, or the username when neither is known.
 */
export function useActorName(): (actor: string) => string {
  const nameOf = usePeopleNames();
  return (actor: string) => SYSTEM_ACTORS[actor] ?? nameOf(actor);
}
