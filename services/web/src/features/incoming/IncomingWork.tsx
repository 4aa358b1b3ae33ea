import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Alert, Badge, Button, Grid, List, Space, Table, Tag, Typography, type TableColumnsType } from "antd";
import { Link } from "react-router-dom";
import { unwrap, type Document, type Task } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { DATE_CELL, formatDate } from "../../components/dates";
import { common } from "../../components/messages";
import { work } from "../work/messages";
import { taskPath } from "../work/MyWork";
import { DeadlineTag, taskStateText } from "../work/Processing";
import { ExtensionDates, informedClosedText } from "../work/taskCases";
import { messages } from "./messages";
import { filterText } from "../documents/filterMessages";
import { inboxFilters, type ListFilters } from "../documents/listFilters";
import { tabQuery, type WorkTab } from "./workQueries";

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

/** The arrival a task is about, as the registry lists it (số, ký hiệu, sender, date, urgency); absent while loading or
 * when the registry does not show it to this person. */
type Arrival = Pick<Document, "id" | "number_symbol" | "issuing_agency_name" | "document_date" | "urgency">;

/**
 * The arrivals of the tasks on screen, in one list request by their ids (``GET /api/v1/documents?ids=``: a
 * GetDocument per row would write a view in the access log for each), so the list shows each one's số, ký hiệu,
 * sender, date and urgency.
 */
function useArrivals(tasks: Task[]): Map<string, Arrival> {
  const api = useApi();
  const ids = [...new Set(tasks.map((t) => t.document_id).filter(Boolean))].sort();
  const query = useQuery({
    queryKey: ["documents", "by-id", ids],
    enabled: ids.length > 0,
    staleTime: 60_000,
    queryFn: async () => unwrap(await api.GET("/api/v1/documents", {
      params: { query: { ids, page_size: Math.max(ids.length, 1) } } })),
  });
  return new Map((query.data?.items ?? []).map((d) => [d.id, d]));
}

function UrgencyTag({ urgency }: { urgency?: string }) {
  return urgency && urgency !== "normal" ? <Tag color="#ad2102">{common.urgency[urgency] ?? urgency}</Tag> : null;
}

/** A task's deadline, without its colour once a để biết task's case is finished (nothing left to do on it); an
 * extension request's, the case's current one and the one asked for. */
function TaskDeadline({ task }: { task: Task }) {
  if (task.kind === "extension") return <ExtensionDates task={task} />;
  return <DeadlineTag task={informedClosedText(task) ? { ...task, deadline_state: "" } : task} />;
}

function StateText({ task }: { task: Task }) {
  return (
    <>
      {taskStateText(task)}
      {task.state === "withdrawn" && !!task.note && <Tag color="#595959" style={{ marginLeft: 6 }}>{task.note}</Tag>}
    </>
  );
}

function columns(arrivals: Map<string, Arrival>): TableColumnsType<Task> {
  const of = (task: Task) => arrivals.get(task.document_id);
  return [
    { title: messages.columns.numberSymbol, key: "number_symbol", width: 120,
      render: (_: unknown, task) => of(task)?.number_symbol || "—" },  // one link a row: the trích yếu
    { title: messages.columns.issuer, key: "issuer", width: 180, render: (_: unknown, task) => of(task)?.issuing_agency_name },
    {
      title: work.home.columns.abstract, dataIndex: "abstract", key: "abstract",
      render: (value: string, task) => <Link to={taskPath(task)}>{value || task.document_id}</Link>,
    },
    { title: messages.columns.documentDate, key: "document_date", width: 110, className: DATE_CELL,
      render: (_: unknown, task) => formatDate(of(task)?.document_date ?? "") },
    { title: messages.columns.urgency, key: "urgency", width: 110,
      render: (_: unknown, task) => <UrgencyTag urgency={of(task)?.urgency} /> },
    { title: work.home.columns.kind, dataIndex: "kind", key: "kind", width: 120,
      render: (kind: string) => <Tag>{work.kind[kind] ?? kind}</Tag> },
    { title: work.home.columns.deadline, key: "deadline", width: 140, render: (_: unknown, task) => <TaskDeadline task={task} /> },
    { title: work.home.columns.state, dataIndex: "state", key: "state", width: 150,
      render: (_: string, task) => <StateText task={task} /> },
  ];
}

/**
 * A task as a compact card, for phones: the số, ký hiệu and date, the trích yếu (the link), the sender, then the
 * urgency, role, deadline and state as tags; everything wraps, nothing scrolls sideways.
 */
function TaskCard({ task, arrival }: { task: Task; arrival?: Arrival }) {
  const heading = [arrival?.number_symbol, formatDate(arrival?.document_date ?? "")].filter(Boolean).join(" · ");
  return (
    <List.Item style={{ display: "block", padding: "10px 0" }} data-testid="task-card">
      {!!heading && <Typography.Text type="secondary" style={{ display: "block" }}>{heading}</Typography.Text>}
      <Link to={taskPath(task)} style={{ display: "block", fontWeight: 500, overflowWrap: "break-word" }}>
        {task.abstract || task.document_id}
      </Link>
      {!!arrival?.issuing_agency_name && (
        <Typography.Text style={{ display: "block" }}>
          {messages.columns.issuer}: {arrival.issuing_agency_name}
        </Typography.Text>
      )}
      <Space size={[4, 4]} wrap style={{ marginTop: 4 }}>
        <UrgencyTag urgency={arrival?.urgency} />
        <Tag>{work.kind[task.kind] ?? task.kind}</Tag>
        <TaskDeadline task={task} />
        <Typography.Text type="secondary"><StateText task={task} /></Typography.Text>
      </Space>
    </List.Item>
  );
}

/**
 * One tab of a person's incoming work with the list's filters, paged: a table (số, ký hiệu, cơ quan ban hành, trích
 * yếu, ngày văn bản, độ khẩn, the task's role, deadline and state) from 768 px, a list of compact cards below it (a
 * leader's phone), with no sideways scrolling.
 */
export function WorkTable({ tab, filters = {} }: { tab: WorkTab; filters?: ListFilters }) {
  const query = useIncomingWorkPages(tab, filters);
  const wide = Grid.useBreakpoint().md ?? false;
  const tasks = query.data?.pages.flatMap((page) => page.tasks) ?? [];
  const arrivals = useArrivals(tasks);
  if (query.isError) {
    return (
      <Alert type="error" showIcon message={common.error} description={query.error.message}
        action={<Button onClick={() => void query.refetch()}>{common.retry}</Button>} />
    );
  }
  const empty = <span style={{ color: "#595959" }}>
    {filtered(filters) ? messages.work.noMatch : messages.work.empty[tab]}</span>;
  return (
    <>
      {wide ? (
        <Table<Task> rowKey="id" size="middle" loading={query.isLoading} columns={columns(arrivals)}
          dataSource={tasks} pagination={false} scroll={{ x: 1000 }} locale={{ emptyText: empty }}
          aria-label={messages.work.tabs[tab]} />
      ) : (
        <List<Task> loading={query.isLoading} dataSource={tasks} locale={{ emptyText: empty }}
          aria-label={messages.work.tabs[tab]} rowKey="id"
          renderItem={(task) => <TaskCard task={task} arrival={arrivals.get(task.document_id)} />} />
      )}
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
 * keep: the Chờ xử lý tab's own first page, one request for both); nothing beside it when that number is 0 (a "0"
 * badge read as something to do, trial 17).
 */
export function WorkTabLabel({ tab, filters = {} }: { tab: WorkTab; filters?: ListFilters }) {
  const query = useIncomingWorkPages("todo", filters);
  const count = tab === "todo" ? query.data?.pages[0]?.counts.todo : undefined;
  return (
    <span>
      {messages.work.tabs[tab]}
      {!!count && <> <Badge count={count} color="#0958d9" overflowCount={999} /></>}
    </span>
  );
}
