import { useQuery } from "@tanstack/react-query";
import { Alert, Grid, List, Space, Switch, Table, Tag, Typography } from "antd";
import { useState, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { formatDate } from "../../components/dates";
import { rec } from "./messages";
import type { RecordFile } from "./types";

const STATE_COLOR: Record<string, string> = { open: "#0958d9", collecting: "#0958d9", closed: "#595959",
  submitted: "#874d00", returned: "#a8071a", retained: "#595959", deposited: "#237804" };

/** A file's state in words (never colour alone). */
export function FileState({ state }: { state: string }) {
  return <Tag color={STATE_COLOR[state] ?? "#595959"}>{rec.file.state[state] ?? state}</Tag>;
}

/** The deposit deadline (dd/mm/yyyy), overdue in red and due in amber with words. */
function Deadline({ file }: { file: RecordFile }) {
  if (!file.deposit_deadline) return null;
  return (
    <Space size={4} wrap>
      <span>{formatDate(file.deposit_deadline)}</span>
      {file.deposit_overdue ? <Tag color="#a8071a">{rec.file.overdue}</Tag>
        : file.deposit_due ? <Tag color="#874d00">{rec.file.due}</Tag> : null}
    </Space>
  );
}

/** A label and its value on a file's card ("Năm: 2026"). */
function Field({ label, children }: { label: string; children: ReactNode }) {
  return <span><Typography.Text type="secondary">{label}: </Typography.Text>{children}</span>;
}

/**
 * A file as a card, for phones: its số, ký hiệu (the link) and state, its title, then năm, số văn bản, người lập and
 * hạn nộp lưu, each labelled; seven table columns in 366 px stood their headers a letter a line (trial 17).
 */
function FileCard({ file }: { file: RecordFile }) {
  return (
    <List.Item style={{ display: "block", padding: "10px 0" }} data-testid="file-card">
      <Space size={[8, 4]} wrap>
        <Link to={`/ho-so/${file.id}`} style={{ fontWeight: 500 }}>{file.notation || file.file_code}</Link>
        <FileState state={file.state} />
      </Space>
      <div style={{ overflowWrap: "break-word" }}>{file.title}</div>
      <Space size={[12, 0]} wrap>
        <Field label={rec.file.columns.year}>{file.year}</Field>
        <Field label={rec.file.columns.documents}>{file.document_total}</Field>
        {!!file.creator && <Field label={rec.file.columns.creator}>{file.creator}</Field>}
      </Space>
      {!!file.deposit_deadline && <div><Field label={rec.file.columns.deadline}><Deadline file={file} /></Field></div>}
    </List.Item>
  );
}

/**
 * Files of the agency the person may see (their own; archivists, leaders and clerks every one), newest first:
 * số và ký hiệu, tiêu đề, năm, trạng thái, số văn bản, hạn nộp lưu; ``state`` filters (the deposits waiting for the
 * archivist: "submitted"), ``depositDue`` shows only the files due for deposit. "Hồ sơ của tôi" narrows to theirs.
 * A table from 768 px, a list of cards below it.
 */
export function FilesList({ year, state = "", depositDue = false, empty = rec.file.none, label }: {
  year: number;
  state?: "" | "submitted";
  depositDue?: boolean;
  empty?: string;
  label: string;
}) {
  const api = useApi();
  const [mine, setMine] = useState(false);
  const wide = Grid.useBreakpoint().md ?? false;
  const files = useQuery({
    queryKey: ["records", "files", year, state, depositDue, mine],
    queryFn: async () => unwrap(await api.GET("/api/v1/records/files", { params: { query: {
      year: state || depositDue ? 0 : year, state, mine, deposit_due: depositDue, limit: 200 } } })),
  });
  if (files.isError) return <Alert type="error" showIcon message={files.error.message} />;
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      {!state && !depositDue && (
        <Space>
          <Switch checked={mine} onChange={setMine} aria-label={rec.file.mine} />
          <Typography.Text>{rec.file.mine}</Typography.Text>
        </Space>
      )}
      {wide ? (
        <Table<RecordFile> size="small" rowKey="id" loading={files.isLoading} dataSource={files.data?.files ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }} scroll={{ x: true }} aria-label={label}
          locale={{ emptyText: <span style={{ color: "#595959" }}>{empty}</span> }}
          columns={[
            { title: rec.file.columns.notation, dataIndex: "notation",
              render: (n: string, f) => <Link to={`/ho-so/${f.id}`}>{n || f.file_code}</Link> },
            { title: rec.file.columns.title, dataIndex: "title" },
            { title: rec.file.columns.year, dataIndex: "year" },
            { title: rec.file.columns.state, dataIndex: "state", render: (s: string) => <FileState state={s} /> },
            { title: rec.file.columns.documents, dataIndex: "document_total" },
            { title: rec.file.columns.deadline, key: "deadline", render: (_, f) => <Deadline file={f} /> },
            { title: rec.file.columns.creator, dataIndex: "creator" },
          ]} />
      ) : (
        <List<RecordFile> loading={files.isLoading} dataSource={files.data?.files ?? []} rowKey="id" aria-label={label}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          locale={{ emptyText: <span style={{ color: "#595959" }}>{empty}</span> }}
          renderItem={(file) => <FileCard file={file} />} />
      )}
    </Space>
  );
}
