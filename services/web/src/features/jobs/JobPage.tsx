import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Descriptions, List, Modal, Skeleton, Space, Typography } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { unwrap, type Case } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { formatDate } from "../../components/dates";
import { vietnamToday } from "../work/deadline";
import { ProcessingTree } from "../work/Processing";
import { CaseTasks, RecallDialog } from "../work/CaseTasks";
import { GiveJobDialog, useParties } from "./GiveJob";
import { JobForm, type ReassignBody } from "./JobForm";
import { JobState } from "./JobsPage";
import { jobs } from "./messages";

/** The states in which a job is being worked on (the workflow's jobs.WORKING). */
const WORKING = ["assigned", "in_progress", "extension_requested"];
const MAX_DEPTH = 3;

/**
 * What the giver may do in the job's state (the workflow's table, services/workflow domain/incoming.py, the giver
 * in the leaders' part): giao lại while it waits (recalled, returned) or is being worked on; thu hồi while worked
 * on or returned; decide an extension request. The server checks again.
 */
export function giverActions(state: string): ("reassign" | "recall" | "decide")[] {
  const out: ("reassign" | "recall" | "decide")[] = [];
  if (["submitted", "returned", ...WORKING].includes(state)) out.push("reassign");
  if (["returned", ...WORKING].includes(state)) out.push("recall");
  if (state === "extension_requested") out.push("decide");
  return out;
}

function GiverActions({ current, onChanged }: { current: Case; onChanged: (c: Case) => Promise<void> }) {
  const api = useApi();
  const { message } = App.useApp();
  const [dialog, setDialog] = useState<"" | "reassign" | "recall">("");
  const parties = useParties(dialog === "reassign");
  const path = { params: { path: { case_id: current.id } } };
  const reassign = useMutation({
    mutationFn: async (body: ReassignBody) => unwrap(await api.POST("/api/v1/workflow/jobs/{case_id}/reassign",
      { ...path, body })),
    onSuccess: async (c) => { await onChanged(c); setDialog(""); void message.success(jobs.form.reassigned); },
  });
  const recall = useMutation({
    mutationFn: async (comment: string) => unwrap(await api.POST("/api/v1/workflow/jobs/{case_id}/recall",
      { ...path, body: { version: current.version, comment } })),
    onSuccess: async (c) => { await onChanged(c); setDialog(""); void message.success(jobs.page.recalled); },
  });
  const decide = useMutation({
    mutationFn: async (grant: boolean) => unwrap(await api.POST("/api/v1/workflow/jobs/{case_id}/extension",
      { ...path, body: { version: current.version, grant, comment: "" } })),
    onSuccess: async (c) => { await onChanged(c); void message.success(jobs.page.decided); },
  });
  const actions = giverActions(current.state);
  if (!actions.length) return null;
  return (
    <>
      <Space wrap>
        {actions.includes("decide") && (
          <>
            <Button type="primary" onClick={() => decide.mutate(true)} loading={decide.isPending}>{jobs.page.grant}</Button>
            <Button onClick={() => decide.mutate(false)} loading={decide.isPending}>{jobs.page.refuse}</Button>
          </>
        )}
        {actions.includes("reassign") && <Button onClick={() => setDialog("reassign")}>{jobs.page.reassign}</Button>}
        {actions.includes("recall") && <Button danger onClick={() => setDialog("recall")}>{jobs.page.recall}</Button>}
      </Space>
      {decide.isError && <Alert type="error" showIcon message={decide.error.message} />}
      <Modal open={dialog === "reassign"} title={jobs.page.reassign} footer={null} onCancel={() => setDialog("")}
        destroyOnHidden width={640}>
        {parties.loading ? <Skeleton active /> : (
          <JobForm current={current} units={parties.units} people={parties.people} today={vietnamToday()}
            pending={reassign.isPending} error={reassign.error?.message}
            onSubmit={(body) => reassign.mutate(body as ReassignBody)} />
        )}
      </Modal>
      <RecallDialog open={dialog === "recall"} title={jobs.page.recall} okText={jobs.page.recall}
        label={jobs.page.recallReason} pending={recall.isPending} error={recall.error?.message}
        onCancel={() => setDialog("")} onRecall={(comment) => recall.mutate(comment)} />
    </>
  );
}

/** The job's sub-jobs (việc con), and "Giao việc con" for its lead while it is being worked on. */
function SubJobs({ current, canGive }: { current: Case; canGive: boolean }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const query = useQuery({
    queryKey: ["jobs", "sub", current.id],
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/jobs",
      { params: { query: { parent_id: current.id, page_size: 100 } } })),
  });
  const list = query.data?.jobs ?? [];
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
        <h3 style={{ fontSize: 16, margin: 0 }}>{jobs.page.subJobs}</h3>
        {canGive && <Button onClick={() => setOpen(true)}>{jobs.giveSub}</Button>}
      </Space>
      {query.isError ? <Alert type="error" showIcon message={query.error.message} /> : (
        <List size="small" dataSource={list} rowKey="id" loading={query.isLoading}
          locale={{ emptyText: <span style={{ color: "#595959" }}>{jobs.page.noSubJobs}</span> }}
          renderItem={(job: Case) => (
            <List.Item>
              <Space wrap size={[8, 4]}>
                <Link to={`/giao-viec/${job.id}`}>{job.abstract}</Link>
                <JobState state={job.state} />
                {job.deadline && <span>{jobs.columns.deadline}: {formatDate(job.deadline)}</span>}
              </Space>
            </List.Item>
          )} />
      )}
      <GiveJobDialog open={open} parentId={current.id} onClose={() => setOpen(false)} />
    </Space>
  );
}

/**
 * A job's page (/giao-viec/:id): title, giver, description, state and hạn xử lý; the giver's gestures (giao lại, thu
 * hồi, decide an extension); the person's own tasks with theirs (tiến độ, hoàn thành, trả lại, xin gia hạn, giao
 * trong đơn vị); who leads, cooperates and is informed with each task's state and deadline; the history; the
 * sub-jobs. Every button is one the workflow service's answers allow; the server judges again.
 */
export function JobPage() {
  const { id = "" } = useParams();
  const api = useApi();
  const queries = useQueryClient();
  const job = useQuery({
    queryKey: ["job", id],
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/jobs/{case_id}", { params: { path: { case_id: id } } })),
  });
  const me = useQuery({
    queryKey: ["me"],
    queryFn: async () => unwrap(await api.GET("/api/v1/me")),
    staleTime: Infinity,
  });
  const inbox = useQuery({
    queryKey: ["inbox", "jobs"],
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/inbox",
      { params: { query: { bucket: "all", case_kind: "job", page_size: 200 } } })),
  });
  if (job.isLoading) return <Skeleton active />;
  if (job.isError || !job.data) return <Alert type="error" showIcon message={job.error?.message ?? ""} />;
  const current = job.data;
  const changed = async (c: Case) => {
    queries.setQueryData(["job", id], c);
    await queries.invalidateQueries({ queryKey: ["inbox"] });
    await queries.invalidateQueries({ queryKey: ["jobs"] });
  };
  const giver = !!me.data && String(me.data.subject ?? "") === current.drafter;
  const mine = (inbox.data?.tasks ?? []).filter((t) => t.case_id === current.id
    && ["lead", "cooperating", "for_information"].includes(t.kind));
  const leads = mine.some((t) => t.kind === "lead" && ["open", "in_progress"].includes(t.state));
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Link to="/giao-viec">← {jobs.page.back}</Link>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }} data-testid="job-title">
        {current.abstract}
      </Typography.Title>
      <Card>
        <Space direction="vertical" size="middle" style={{ width: "100%" }}>
          <Descriptions column={{ xs: 1, sm: 1, md: 2 }} size="small" bordered>
            <Descriptions.Item label={jobs.columns.state}><JobState state={current.state} /></Descriptions.Item>
            <Descriptions.Item label={jobs.page.giver}>{current.drafter_name || current.drafter}</Descriptions.Item>
            {current.instruction ? (
              <Descriptions.Item label={jobs.page.description} span={2}>{current.instruction}</Descriptions.Item>
            ) : null}
            {current.parent_id ? (
              <Descriptions.Item label={jobs.page.parent} span={2}>
                <Link to={`/giao-viec/${current.parent_id}`}>{jobs.page.parent}</Link>
              </Descriptions.Item>
            ) : null}
          </Descriptions>
          {giver && <GiverActions current={current} onChanged={changed} />}
          <CaseTasks current={current} mine={mine} onChanged={changed} />
          <ProcessingTree current={{ ...current, instruction: "" }} />
        </Space>
      </Card>
      <Card>
        <SubJobs current={current} canGive={leads && WORKING.includes(current.state) && current.depth < MAX_DEPTH} />
      </Card>
    </Space>
  );
}
