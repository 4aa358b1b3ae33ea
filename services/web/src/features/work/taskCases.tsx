import { useQueries } from "@tanstack/react-query";
import { Typography } from "antd";
import { unwrap, type Case, type Task } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { DATE_CELL, formatDate } from "../../components/dates";
import { work } from "./messages";

const OPEN = ["open", "in_progress"];
/** The case states in which a để biết task is no longer anything to do (the workflow keeps it open for Đã xem). */
const FINISHED = ["completed", "withdrawn"];

/**
 * Whether a listed line needs its task's case: an extension request a leader decides (its dates are the case's), or
 * an open để biết task (its case may be finished: the task then is no longer "Chưa xử lý"). The inbox's task carries
 * neither the case's state nor the deadline asked (the workflow's Task has no field for them).
 */
export function needsCase(task: Pick<Task, "kind" | "state">): boolean {
  return OPEN.includes(task.state) && (task.kind === "extension" || task.kind === "for_information");
}

/**
 * The cases of the listed tasks that need one (:func:`needsCase`), by case id: one GET a case (a job's, or a
 * document's), kept a minute and shared by the lists; a case the person may not read is simply absent.
 */
export function useTaskCases(tasks: Task[]): Map<string, Case> {
  const api = useApi();
  const wanted = [...new Map(tasks.filter(needsCase).map((t) => [t.case_id, t.case_kind === "job"])).entries()];
  const results = useQueries({
    queries: wanted.map(([id, job]) => ({
      queryKey: ["task-case", id],
      staleTime: 60_000,
      retry: false,
      queryFn: async () => unwrap(job
        ? await api.GET("/api/v1/workflow/jobs/{case_id}", { params: { path: { case_id: id } } })
        : await api.GET("/api/v1/workflow/cases/{case_id}", { params: { path: { case_id: id } } })),
    })),
  });
  return new Map(results.flatMap((r) => (r.data ? [[r.data.id, r.data] as const] : [])));
}

/** A để biết task still open on a finished case: what its state then says ("Đã xong"; "Đã dừng xử lý" for a
 * withdrawn case), else "". */
export function informedClosedText(task: Pick<Task, "kind" | "state">, caseState?: string): string {
  if (task.kind !== "for_information" || !OPEN.includes(task.state) || !caseState || !FINISHED.includes(caseState)) {
    return "";
  }
  return work.informedClosed[caseState] ?? "";
}

/** The hạn xử lý a xin gia hạn asks for (YYYY-MM-DD): the date of the case's last request_extension step, as the
 * workflow writes its comment ("xin gia hạn đến 15/12/2026: …"); "" when none. */
export function askedDeadline(current: Pick<Case, "steps">): string {
  const step = [...current.steps].reverse().find((s) => s.action === "request_extension");
  const found = /đến (\d{2})\/(\d{2})\/(\d{4})/u.exec(step?.comment.normalize("NFC") ?? "");
  return found ? `${found[3]}-${found[2]}-${found[1]}` : "";
}

/** An extension request's dates: the case's current hạn xử lý and the one asked for. */
export function ExtensionDates({ current }: { current?: Case }) {
  if (!current) return null;
  const asked = askedDeadline(current);
  return (
    <Typography.Text data-testid="extension-dates">
      {work.extensionDates.current}: <span className={DATE_CELL}>{formatDate(current.deadline) || "—"}</span>
      {" — "}{work.extensionDates.asked}: <span className={DATE_CELL}>{asked ? formatDate(asked) : "—"}</span>
    </Typography.Text>
  );
}
