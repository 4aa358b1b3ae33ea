import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, List, Skeleton, Space, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router-dom";
import { unwrap, type Case, type Task } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import { DeadlineTag } from "../work/Processing";
import { work } from "../work/messages";
import { GiveJobDialog } from "./GiveJob";
import { jobs } from "./messages";

const PAGE = 50;
const empty = <span style={{ color: "#595959" }}>{jobs.empty}</span>;

/** A job's state as a tag: completed in green, returned in red, an extension asked in amber; solid colours whose
 * white text keeps WCAG AA contrast (axe refused Ant Design's light "gold" preset). */
export function JobState({ state }: { state: string }) {
  const color = state === "completed" ? "#237804" : state === "returned" ? "#a8071a" : state === "extension_requested"
    ? "#874d00" : "#0958d9";
  return <Tag color={color}>{jobs.state[state] ?? state}</Tag>;
}

/** Việc tôi giao: GET /jobs (the jobs the person gave, newest first), page by page. */
function Given() {
  const api = useApi();
  const query = useInfiniteQuery({
    queryKey: ["jobs", "given"],
    initialPageParam: "",
    queryFn: async ({ pageParam }) => unwrap(await api.GET("/api/v1/workflow/jobs",
      { params: { query: { page_size: PAGE, page_token: pageParam } } })),
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  if (query.isLoading) return <Skeleton active />;
  if (query.isError) return <Alert type="error" showIcon message={query.error.message} />;
  const list = query.data?.pages.flatMap((p) => p.jobs) ?? [];
  return (
    <>
      <List dataSource={list} rowKey="id" locale={{ emptyText: empty }} data-testid="jobs-given"
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

/** Việc được giao: the person's tasks on jobs from the inbox (all buckets), each linking to its job. */
function Received() {
  const api = useApi();
  const query = useQuery({
    queryKey: ["inbox", "jobs"],
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/inbox",
      { params: { query: { bucket: "all", case_kind: "job", page_size: 200 } } })),
  });
  if (query.isLoading) return <Skeleton active />;
  if (query.isError) return <Alert type="error" showIcon message={query.error.message} />;
  const tasks = (query.data?.tasks ?? []).filter((t) => t.kind !== "direct" && t.kind !== "extension");
  return (
    <List dataSource={tasks} rowKey="id" locale={{ emptyText: empty }} data-testid="jobs-received"
      renderItem={(task: Task) => (
        <List.Item>
          <List.Item.Meta title={<Link to={`/giao-viec/${task.case_id}`}>{task.abstract}</Link>}
            description={
              <Space wrap size={[8, 4]}>
                <Tag>{work.kind[task.kind] ?? task.kind}</Tag>
                <span>{work.taskState[task.state] ?? task.state}</span>
                <span>{jobs.columns.deadline}: <DeadlineTag task={task} /></span>
              </Space>
            } />
        </List.Item>
      )} />
  );
}

/**
 * Giao việc: the jobs the person gave and those given to them (with state and hạn xử lý, overdue in red), and — for
 * leaders and heads — the "Giao việc" button. Officers see only what was given to them.
 */
export function JobsPage() {
  const { person } = useAuth();
  const gives = (person?.roles ?? []).some((r) => r === "leader" || r === "head");
  const [open, setOpen] = useState(false);
  const [tab, setTab] = useState(gives ? "given" : "received");
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>{jobs.title}</Typography.Title>
        {gives && <Button type="primary" onClick={() => setOpen(true)}>{jobs.give}</Button>}
      </Space>
      <Card>
        <Tabs activeKey={tab} onChange={setTab} items={[
          ...(gives ? [{ key: "given", label: jobs.given, children: <Given /> }] : []),
          { key: "received", label: jobs.received, children: <Received /> },
        ]} />
      </Card>
      <GiveJobDialog open={open} onClose={() => setOpen(false)} />
    </Space>
  );
}
