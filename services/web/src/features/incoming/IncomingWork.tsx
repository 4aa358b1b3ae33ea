import { useQuery } from "@tanstack/react-query";
import { Alert, Badge, Button, Table, Tag, type TableColumnsType } from "antd";
import { Link } from "react-router-dom";
import { unwrap, type Task } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { common } from "../../components/messages";
import { work } from "../work/messages";
import { taskPath } from "../work/MyWork";
import { DeadlineTag, taskStateText } from "../work/Processing";
import { messages } from "./messages";

/** The incoming documents a person works on, as ux.md's menu has them: chờ xử lý, để biết, đã xử lý. */
export type WorkTab = "todo" | "for_information" | "done";
export const WORK_TABS: WorkTab[] = ["todo", "for_information", "done"];

/** Task kinds that ask something of their holder on an arrival (để biết asks nothing: its own tab). */
const TO_DO = ["direct", "lead", "cooperating", "extension"] as const;

/**
 * The person's tasks on incoming documents from the workflow inbox (``case_kind=incoming``): ``todo`` those still to
 * do (chỉ đạo, chủ trì, phối hợp, a request for more time), ``for_information`` those sent for information (để
 * biết, done or not), ``done`` the finished ones; 50 at most, newest first as the server gives them.
 */
export function useIncomingWork(tab: WorkTab, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: ["inbox", "incoming", tab], enabled,
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/inbox", { params: { query: {
      case_kind: "incoming", page_size: 50,
      bucket: tab === "todo" ? "todo" : tab === "done" ? "done" : "all",
      kind: tab === "for_information" ? ["for_information"] : tab === "todo" ? [...TO_DO] : undefined,
    } } })),
  });
}

const COLUMNS: TableColumnsType<Task> = [
  {
    title: work.home.columns.abstract, dataIndex: "abstract", key: "abstract",
    render: (value: string, task) => <Link to={taskPath(task)}>{value || task.document_id}</Link>,
  },
  { title: work.home.columns.kind, dataIndex: "kind", key: "kind", width: 130,
    render: (kind: string) => <Tag>{work.kind[kind] ?? kind}</Tag> },
  { title: work.home.columns.deadline, key: "deadline", width: 150, render: (_: unknown, task) => <DeadlineTag task={task} /> },
  {
    title: work.home.columns.state, dataIndex: "state", key: "state", width: 170,
    render: (state: string, task) => (
      <>
        {taskStateText(task)}
        {state === "withdrawn" && !!task.note && <Tag color="#595959" style={{ marginLeft: 6 }}>{task.note}</Tag>}
      </>
    ),
  },
];

/** One tab of a person's incoming work, as a table (the task's document linked). */
export function WorkTable({ tab }: { tab: WorkTab }) {
  const query = useIncomingWork(tab);
  if (query.isError) {
    return (
      <Alert type="error" showIcon message={common.error} description={query.error.message}
        action={<Button onClick={() => void query.refetch()}>{common.retry}</Button>} />
    );
  }
  return (
    <>
      <Table<Task> rowKey="id" size="middle" loading={query.isLoading} columns={COLUMNS}
        dataSource={query.data?.tasks ?? []} pagination={false} scroll={{ x: 700 }}
        locale={{ emptyText: <span style={{ color: "#595959" }}>{messages.work.empty[tab]}</span> }}
        aria-label={messages.work.tabs[tab]} />
      {query.data?.next_page_token && <p style={{ color: "#595959" }}>{messages.more}</p>}
    </>
  );
}

/** A tab's label with the number still to do (the server's count of the person's open incoming tasks). */
export function WorkTabLabel({ tab }: { tab: WorkTab }) {
  const query = useIncomingWork("todo");
  const count = tab === "todo" ? query.data?.counts.todo : undefined;
  return (
    <span>
      {messages.work.tabs[tab]}
      {count !== undefined && <> <Badge count={count} color="#0958d9" showZero overflowCount={999} /></>}
    </span>
  );
}
