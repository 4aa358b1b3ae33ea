import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Alert, Badge, Button, Table, Tag, type TableColumnsType } from "antd";
import { Link } from "react-router-dom";
import { unwrap, type Task } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { common } from "../../components/messages";
import { work } from "../work/messages";
import { taskPath } from "../work/MyWork";
import { DeadlineTag, taskStateText } from "../work/Processing";
import { messages } from "./messages";
import { filterText } from "../documents/filterMessages";
import { inboxFilters, type ListFilters } from "../documents/listFilters";

/** The incoming documents a person works on, as ux.md's menu has them: chờ xử lý, để biết, đã xử lý. */
export type WorkTab = "todo" | "for_information" | "done";
export const WORK_TABS: WorkTab[] = ["todo", "for_information", "done"];

/** Task kinds that ask something of their holder on an arrival (để biết asks nothing: its own tab). */
const TO_DO = ["direct", "lead", "cooperating", "extension"] as const;

const PAGE = 50;

/** The inbox query of a tab: its bucket and task kinds, on incoming documents. */
function tabQuery(tab: WorkTab) {
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

/**
 * A tab's tasks with the list's filters (:func:`inboxFilters`: words of the trích yếu, type, issuing agency, the days
 * the task was given), filtered on the server a page at a time: the next page carries the same filters, and the
 * counts are of what the filters keep.
 */
export function useIncomingWorkPages(tab: WorkTab, filters: ListFilters = {}) {
  const api = useApi();
  const narrow = inboxFilters(filters);
  return useInfiniteQuery({
    queryKey: ["inbox", "incoming", tab, "pages", narrow],
    initialPageParam: "",
    queryFn: async ({ pageParam }) => unwrap(await api.GET("/api/v1/workflow/inbox", { params: { query: {
      ...tabQuery(tab), ...narrow, ...(pageParam ? { page_token: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_page_token || undefined,
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

/** One tab of a person's incoming work with the list's filters, as a table (the task's document linked), paged. */
export function WorkTable({ tab, filters = {} }: { tab: WorkTab; filters?: ListFilters }) {
  const query = useIncomingWorkPages(tab, filters);
  if (query.isError) {
    return (
      <Alert type="error" showIcon message={common.error} description={query.error.message}
        action={<Button onClick={() => void query.refetch()}>{common.retry}</Button>} />
    );
  }
  return (
    <>
      <Table<Task> rowKey="id" size="middle" loading={query.isLoading} columns={COLUMNS}
        dataSource={query.data?.pages.flatMap((page) => page.tasks) ?? []} pagination={false} scroll={{ x: 700 }}
        locale={{ emptyText: <span style={{ color: "#595959" }}>
          {filtered(filters) ? messages.work.noMatch : messages.work.empty[tab]}</span> }}
        aria-label={messages.work.tabs[tab]} />
      {query.hasNextPage && (
        <Button style={{ marginTop: 8 }} loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          {filterText.more}
        </Button>
      )}
    </>
  );
}

/** True when a filter a list of tasks takes is set. */
function filtered(filters: ListFilters): boolean {
  return Object.keys(inboxFilters(filters)).length > 0;
}

/**
 * A tab's label with the number still to do (the server's count of the person's open incoming tasks the filters
 * keep: the Chờ xử lý tab's own first page, one request for both).
 */
export function WorkTabLabel({ tab, filters = {} }: { tab: WorkTab; filters?: ListFilters }) {
  const query = useIncomingWorkPages("todo", filters);
  const count = tab === "todo" ? query.data?.pages[0]?.counts.todo : undefined;
  return (
    <span>
      {messages.work.tabs[tab]}
      {count !== undefined && <> <Badge count={count} color="#0958d9" showZero overflowCount={999} /></>}
    </span>
  );
}
