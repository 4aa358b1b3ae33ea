import { useQuery } from "@tanstack/react-query";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";

/** The most documents one page counts; more shows as "50+". */
export const WAITING_PAGE = 50;

/**
 * The outgoing documents signed and waiting to be issued (chờ phát hành: the clerk's cấp số and phát hành), counted
 * for the menu's Văn bản đi entry and the list's tab, with no filter. Under ``["documents", "outgoing"]``, so what
 * invalidates the lists after an act refreshes the count too. ``count`` is undefined while unknown; ``more`` when
 * there are more than a page.
 */
export function useWaitingToIssue(enabled: boolean): { count: number | undefined; more: boolean } {
  const api = useApi();
  const waiting = useQuery({
    queryKey: ["documents", "outgoing", "signed", "count"], enabled,
    queryFn: async () => unwrap(await api.GET("/api/v1/documents",
      { params: { query: { direction: "outgoing", status: "signed", page_size: WAITING_PAGE } } })),
  });
  return { count: waiting.data?.items.length, more: !!waiting.data?.next_page_token };
}

/**
 * The outgoing documents waiting for the signed-in person's signature (chờ ký: their open ``sign`` tasks), counted
 * for the list's Chờ ký tab, with no filter. Under ``["inbox"]``, so what invalidates the inbox after an act (ký,
 * trả lại) refreshes the count too. ``count`` is undefined while unknown.
 */
export function useWaitingToSign(enabled: boolean): { count: number | undefined } {
  const api = useApi();
  const waiting = useQuery({
    queryKey: ["inbox", "outgoing", "sign", "count"], enabled,
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/inbox", { params: { query: {
      bucket: "todo", kind: ["sign"], case_kind: "outgoing", page_size: 1 } } })),
  });
  return { count: waiting.data?.counts.todo };
}
