import { Typography } from "antd";
import { type Task } from "../../api/client";
import { DATE_CELL, formatDate } from "../../components/dates";
import { work } from "./messages";

const OPEN = ["open", "in_progress"];
/** The case states in which a để biết task is no longer anything to do (the workflow keeps it open for Đã xem). */
const FINISHED = ["completed", "withdrawn"];

/** A để biết task still open on a finished case: what its state then says ("Đã xong"; "Đã dừng xử lý" for a
 * withdrawn case), else "". The case's state is the task's own ``case_state`` (the task list carries it) unless a
 * screen holding the case gives it. */
export function informedClosedText(task: Pick<Task, "kind" | "state"> & { case_state?: string },
  caseState: string | undefined = task.case_state): string {
  if (task.kind !== "for_information" || !OPEN.includes(task.state) || !caseState || !FINISHED.includes(caseState)) {
    return "";
  }
  return work.informedClosed[caseState] ?? "";
}

/** An extension request's dates, as the task list gives them (the workflow's own data, no case loaded): the case's
 * current hạn xử lý and the one asked for. */
export function ExtensionDates({ task }: { task: Pick<Task, "case_deadline" | "requested_deadline"> }) {
  return (
    <Typography.Text data-testid="extension-dates">
      {work.extensionDates.current}: <span className={DATE_CELL}>{formatDate(task.case_deadline) || "—"}</span>
      {" — "}{work.extensionDates.asked}: <span className={DATE_CELL}>{formatDate(task.requested_deadline) || "—"}</span>
    </Typography.Text>
  );
}
