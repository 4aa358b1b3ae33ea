import { useQuery } from "@tanstack/react-query";
import { Alert, Card, Col, List, Row, Skeleton, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { DATE_CELL, formatDate } from "../../components/dates";
import { WorkFilterBar } from "./WorkFilterBar";
import { workFiltersFromParams, workQuery } from "./workFilters";
import { unwrap, type Task } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { work } from "./messages";
import { DeadlineTag, taskStateText } from "./Processing";
import { ExtensionDates, informedClosedText } from "./taskCases";

/** Where a task is worked on: a job's page (giao việc), else its document's. */
export function taskPath(task: Pick<Task, "case_kind" | "case_id" | "document_id">): string {
  return task.case_kind === "job" ? `/giao-viec/${task.case_id}` : `/van-ban/${task.document_id}`;
}

export type Bucket = "todo" | "due_soon" | "overdue" | "done";
const BUCKETS: Bucket[] = ["todo", "due_soon", "overdue", "done"];
const COLORS: Record<Bucket, string> = { todo: "#0958d9", due_soon: "#ad6800", overdue: "#cf1322", done: "#237804" };

/**
 * Việc của tôi: the person's tasks from the workflow inbox — counts of việc cần làm, sắp đến hạn, quá hạn, đã xong
 * (the server's buckets, in working days) and the tasks of the chosen one, each linking to its document.
 */
export function MyWork({ title = work.home.title, filterable = false }: { title?: string; filterable?: boolean }) {
  const api = useApi();
  const [bucket, setBucket] = useState<Bucket>("todo");
  const [params] = useSearchParams();
  const filters = filterable ? workFiltersFromParams(params) : {};
  const narrow = workQuery(filters);
  const inbox = useQuery({
    queryKey: ["inbox", bucket, narrow],
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/inbox",
      { params: { query: { bucket, page_size: 50, ...narrow } } })),
  });
  const counts = inbox.data?.counts;
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>{title}</Typography.Title>
      {filterable && <WorkFilterBar />}
      <Row gutter={[12, 12]} role="group" aria-label={title}>
        {BUCKETS.map((b) => (
          <Col key={b} xs={12} md={6}>
            <button type="button" aria-pressed={bucket === b} onClick={() => setBucket(b)}
              data-testid={`count-${b}`}
              style={{ width: "100%", textAlign: "left", cursor: "pointer", background: "#fff", borderRadius: 8,
                border: bucket === b ? `2px solid ${COLORS[b]}` : "1px solid #d9d9d9", padding: "10px 12px" }}>
              <div style={{ color: "#262626", fontSize: 14 }}>{work.home.buckets[b]}</div>
              <div style={{ color: COLORS[b], fontSize: 26, fontWeight: 600 }} data-testid={`count-${b}-value`}>
                {counts ? counts[b] : "…"}
              </div>
            </button>
          </Col>
        ))}
      </Row>
      <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{work.home.buckets[bucket]}</h2>}>
        {inbox.isLoading ? <Skeleton active /> : inbox.isError ? (
          <Alert type="error" showIcon message={inbox.error.message} />
        ) : (
          <List dataSource={inbox.data?.tasks ?? []} locale={{ emptyText: <span style={{ color: "#595959" }}>
            {Object.keys(filters).length ? work.filters.noMatch : work.home.empty}</span> }} rowKey="id"
            renderItem={(task) => (
              <List.Item>
                <List.Item.Meta
                  title={<Link to={taskPath(task)}>{task.abstract || task.document_id}</Link>}
                  description={
                    <Space wrap size={[8, 4]}>
                      {filterable && <Tag>{work.filters.caseKinds[task.case_kind] ?? task.case_kind}</Tag>}
                      <Tag>{work.kind[task.kind] ?? task.kind}</Tag>
                      {filterable && !!task.created_at && (
                        <span>{work.givenOn}: <span className={DATE_CELL}>{formatDate(task.created_at)}</span></span>
                      )}
                      {filterable && !!(task.given_by_name || task.given_by) && (
                        <span>{work.givenBy}: {task.given_by_name || task.given_by}</span>
                      )}
                      <span>{taskStateText(task)}</span>
                      {task.state === "withdrawn" && !!task.note && <Tag color="#595959">{task.note}</Tag>}
                      {task.kind === "extension" ? <ExtensionDates task={task} /> : (
                        <span>{work.home.columns.deadline}: <DeadlineTag
                          task={informedClosedText(task) ? { ...task, deadline_state: "" } : task} /></span>
                      )}
                    </Space>
                  } />
              </List.Item>
            )} />
        )}
      </Card>
    </Space>
  );
}
