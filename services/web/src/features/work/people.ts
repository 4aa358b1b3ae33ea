import { useQuery } from "@tanstack/react-query";
import { unwrap, type PersonEntry } from "../../api/client";
import { useApi } from "../../api/ApiProvider";

/**
 * The names of the people of the person's agency, by username (GET /api/v1/people, kept five minutes and shared
 * with the pickers' ["people"] query): ``nameOf("lanhdao.ubnd")`` → "Nguyễn Văn Lãnh", or the username itself while
 * the list loads or when nobody of the agency has it (a person who left). ``enabled``: load the list at all.
 */
export function usePeopleNames(enabled = true): (username: string) => string {
  const api = useApi();
  const people = useQuery({ queryKey: ["people"], queryFn: async () => unwrap(await api.GET("/api/v1/people")),
    enabled, staleTime: 300_000 });
  const names = new Map((people.data ?? []).map((p) => [p.username, p.name]));
  return (username: string) => names.get(username) || username;
}

/**
 * The names of the people of the person's agency by subject (the workflow names a person's task by it), from the same
 * ["people"] query: ``nameBySubject("3f2a…")`` → "Lê Văn Chuyên", or "" while the list loads or for a subject nobody
 * of the agency has.
 */
export function usePeopleBySubject(): (subject: string) => string {
  const api = useApi();
  const people = useQuery({ queryKey: ["people"], queryFn: async () => unwrap(await api.GET("/api/v1/people")),
    staleTime: 300_000 });
  const names = new Map((people.data ?? []).map((p) => [p.subject, p.name]));
  return (subject: string) => names.get(subject) ?? "";
}

/**
 * A person as the pickers show them: "Họ tên — Chức vụ" ("Nguyễn Văn Hưởng — Chủ tịch"), or "Họ tên (username)" when
 * the identity provider has no title for them (two namesakes stay apart). The one place the signer list, the
 * trình lãnh đạo and giao xử lý pickers name people.
 */
export function personLabel(p: Pick<PersonEntry, "name" | "title" | "username">): string {
  return p.title ? `${p.name} — ${p.title}` : `${p.name} (${p.username})`;
}

/** The agency's leaders (``leader``: role leader; enabled accounts) a clerk may trình an arrival to, by
 * :func:`personLabel`. */
export function leaders(people: PersonEntry[]): PersonEntry[] {
  return people.filter((p) => p.enabled && p.leader);
}

/** The people of the agency who handle documents (``handler``: a leader, head or officer; enabled accounts): whom
 * giao xử lý offers as chủ trì, phối hợp or để biết — never the clerk, the archivist or the administrator. */
export function handlers(people: PersonEntry[]): PersonEntry[] {
  return people.filter((p) => p.enabled && p.handler);
}
