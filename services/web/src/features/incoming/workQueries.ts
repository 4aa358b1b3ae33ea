import { useQuery } from "@tanstack/react-query";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";

/*
 * The person's work on incoming documents as queries only, no screen: the menu's count (AppLayout, in the first
 * script a browser loads) imports this, so the list's table, date pickers and processing code stay in their lazily
 * loaded chunk (issue 14: initial JavaScript ≤ 400 KB gzip).
 */

/** The incoming documents a person works on, as ux.md's menu has them: chờ xử lý, để biết, đã xử lý. */
export type WorkTab = "todo" | "for_information" | "done";
export const WORK_TABS: WorkTab[] = ["todo", "for_information", "done"];

/** Task kinds that ask something of their holder on an arrival (để biết asks nothing: its own tab). */
const TO_DO = ["direct", "lead", "cooperating", "extension"] as const;

const PAGE = 50;

/** The inbox query of a tab: its bucket and task kinds, on incoming documents. */
export function tabQuery(tab: WorkTab) {
  return {
    case_kind: "incoming" as const, page_size: PAGE,
    bucket: tab === "todo" ? "todo" as const : tab === "done" ? "done" as const : "all" as const,
    kind: tab === "for_information" ? ["for_information" as const] : tab === "todo" ? [...TO_DO] : undefined,
  };
}

/**
 * The person's tasks on incoming documents from the workflow inbox (``case_kind=incoming``): ``todo`` those still to
 * do (chỉ đạo, chủ trì, phối hợp, a request for more time), ``for_information`` those sent for information (để
 * biết, done or not), ``done`` the finished ones; the first 50, newest first as the server gives them, unfiltered
 * (the menu's count).
 */
export function useIncomingWork(tab: WorkTab, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: ["inbox", "incoming", tab], enabled,
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/inbox", { params: { query: tabQuery(tab) } })),
  });
}
