import { useInfiniteQuery } from "@tanstack/react-query";
import { Alert, Button, Card, List, Skeleton, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { unwrap, type Case, type Task } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import { DeadlineTag, taskStateText } from "../work/Processing";
import { work } from "../work/messages";
import { informedClosedText } from "../work/taskCases";
import { GiveJobDialog } from "./GiveJob";
import { JobFilterBar } from "./JobFilterBar";
import { givenQuery, jobFiltersFromParams, receivedQuery, type JobFilters, type JobsTab } from "./jobFilters";
import { jobs } from "./messages";
import { ListTabs } from "../../components/ListTabs";

const PAGE = 50;

/** A job's state as a tag: completed in green, returned in red, an extension asked in amber; solid colours whose
 * white text keeps WCAG AA contrast (axe refused Ant Design's light "gold" preset). */
export function JobState({ state }: { state: string }) {
  const color = state === "completed" ? "#237804" : state === "returned" ? "#a8071a" : state === "extension_requested"
    ? "#874d00" : "#0958d9";
  return <Tag color={color}>{jobs.state[state] ?? state}</Tag>;
}

/** The empty list's words: none at all, or none the filters keep. */
function emptyText(filters: JobFilters) {
  return <span style={{ color: "#595959" }}>{Object.keys(filters).length ? jobs.filters.noMatch : jobs.empty}</span>;
}

/** Việc tôi giao: GET /jobs (the jobs the person gave, newest first) with the list's filters, page by page. */
function Given({ filters }: { filters: JobFilters }) {
  const api = useApi();
  const narrow = givenQuery(filters);
  const query = useInfiniteQuery({
    queryKey: ["jobs", "given", narrow],
    initialPageParam: "",
    queryFn: async ({ pageParam }) => unwrap(await api.GET("/api/v1/workflow/jobs",
      { params: { query: { page_size: PAGE, ...narrow, ...(pageParam ? { page_token: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  if (query.isLoading) return <Skeleton active />;
  if (query.isError) return <Alert type="error" showIcon message={query.error.message} />;
  const list = query.data?.pages.flatMap((p) => p.jobs) ?? [];
  return (
    <>
      <List dataSource={list} rowKey="id" locale={{ emptyText: emptyText(filters) }} data-testid="jobs-given"
        renderItem={(job: Case) => (
          <List.Item>
            <List.Item.Meta title={<Link to={`/giao-viec/${job.id}`}>{job.abstract}</Link>}
              description={
                <Space wrap size={[8, 4]}>
                  <JobState state={job.state} />
                  <span>{jobs.columns.lead}: {job.lead ? job.lead.name || job.lead.id : "—"}</span>
                  <span>{jobs.columns.deadline}: <DeadlineTag task={{ deadline: job.deadline,
                    deadline_state: "" }} /></span>
                </Space>
              } />
          </List.Item>
        )} />
      {query.hasNextPage && (
        <Button onClick={() => void query.fetchNextPage()} loading={query.isFetchingNextPage}>{jobs.more}</Button>
      )}
    </>
  );
}

/** The kinds of task a person holds on a job they were given (the giver's own, direct and extension, are not). */
const RECEIVED_KINDS = ["lead", "cooperating", "for_information"] as const;

/**
 * Việc được giao: the person's tasks on jobs from the inbox (all buckets, or the one the filter chooses), with the
 * list's filters, page by page, each linking to its job; a finished task says how it ended (Đã trả lại, not Hoàn
 * thành, for one its holder returned: :func:`taskStateText`).
 */
function Received({ filters }: { filters: JobFilters }) {
  const api = useApi();
  const narrow = receivedQuery(filters);
  const query = useInfiniteQuery({
    queryKey: ["inbox", "jobs", narrow],
    initialPageParam: "",
    queryFn: async ({ pageParam }) => unwrap(await api.GET("/api/v1/workflow/inbox", { params: { query: {
      case_kind: "job", kind: [...RECEIVED_KINDS], page_size: PAGE, ...narrow,
      ...(pageParam ? { page_token: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  const tasks = (query.data?.pages.flatMap((p) => p.tasks) ?? [])
    .filter((t) => t.kind !== "direct" && t.kind !== "extension");
  if (query.isLoading) return <Skeleton active />;
  if (query.isError) return <Alert type="error" showIcon message={query.error.message} />;
  return (
    <>
      <List dataSource={tasks} rowKey="id" locale={{ emptyText: emptyText(filters) }} data-testid="jobs-received"
        renderItem={(task: Task) => (
          <List.Item>
            <List.Item.Meta title={<Link to={`/giao-viec/${task.case_id}`}>{task.abstract}</Link>}
              description={
                <Space wrap size={[8, 4]}>
                  <Tag>{work.kind[task.kind] ?? task.kind}</Tag>
                  <span>{taskStateText(task)}</span>
                  <span>{jobs.columns.deadline}: <DeadlineTag
                    task={informedClosedText(task) ? { ...task, deadline_state: "" } : task} /></span>
                </Space>
              } />
          </List.Item>
        )} />
      {query.hasNextPage && (
        <Button onClick={() => void query.fetchNextPage()} loading={query.isFetchingNextPage}>{jobs.more}</Button>
      )}
    </>
  );
}

/**
 * Giao việc: the jobs the person gave and those given to them (with state and hạn xử lý, overdue in red), under a
 * filter bar (:func:`JobFilterBar`) whose filters, like the tab, the URL keeps; and — for leaders and heads — the
 * "Giao việc" button. Officers see only what was given to them.
 */
export function JobsPage() {
  const { person } = useAuth();
  const gives = (person?.roles ?? []).some((r) => r === "leader" || r === "head");
  const [open, setOpen] = useState(false);
  const [params, setParams] = useSearchParams();
  const asked = params.get("tab");
  const tab: JobsTab = gives && asked !== "received" ? "given" : "received";
  const filters = jobFiltersFromParams(tab, params);
  // the tab changes: the words and days stay, the state (each list has its own) goes
  const setTab = (key: string) => setParams((current) => {
    const next = new URLSearchParams(current);
    next.set("tab", key);
    next.delete("state");
    return next;
  });
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>{jobs.title}</Typography.Title>
        {gives && <Button type="primary" onClick={() => setOpen(true)}>{jobs.give}</Button>}
      </Space>
      <Card>
        <JobFilterBar key={tab} tab={tab} />
        <ListTabs activeKey={tab} onChange={setTab} items={[
          ...(gives ? [{ key: "given", label: jobs.given, children: <Given filters={filters} /> }] : []),
          { key: "received", label: jobs.received, children: <Received filters={filters} /> },
        ]} />
      </Card>
      <GiveJobDialog open={open} onClose={() => setOpen(false)} />
    </Space>
  );
}
