import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, InputNumber, Space, Tabs, Typography, Upload } from "antd";
import { useNavigate, useSearchParams } from "react-router-dom";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useHasRole } from "../../components/roles";
import { vietnamToday } from "../work/deadline";
import { FilesList } from "./FilesList";
import { rec } from "./messages";
import { PlanView } from "./PlanView";
import type { RecordFile } from "./types";

/** The records service's limit on a package (MAX_PACKAGE, services/records): refused here before the upload. */
const MAX_PACKAGE = 64 * 1024 * 1024;

/** Nhập gói hồ sơ (archivist): a ZIP exported by VanThu becomes a file of the agency; then its page. */
export function ImportPackage() {
  const api = useApi();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const upload = useMutation({
    mutationFn: async (zip: File) => {
      if (zip.size > MAX_PACKAGE) throw new Error(rec.import.tooBig);
      // the body is the ZIP itself (the route reads it raw: no JSON, no form)
      const options = { body: zip, bodySerializer: (b: unknown) => b, headers: { "Content-Type": "application/zip" } };
      return unwrap(await api.POST("/api/v1/records/import", options as never)) as RecordFile;
    },
    onSuccess: async (file) => {
      await queries.invalidateQueries({ queryKey: ["records", "files"] });
      void message.success(rec.import.done);
      navigate(`/ho-so/${file.id}`);
    },
  });
  return (
    <Space direction="vertical">
      <Space wrap>
        <Upload accept=".zip,application/zip" showUploadList={false} maxCount={1}
          beforeUpload={(zip) => { upload.mutate(zip); return Upload.LIST_IGNORE; }}>
          <Button loading={upload.isPending}>{rec.import.button}</Button>
        </Upload>
        <Typography.Text type="secondary">{rec.import.help}</Typography.Text>
      </Space>
      {upload.isError && <Alert type="error" showIcon message={`${rec.import.failed}: ${upload.error.message}`} />}
    </Space>
  );
}

/**
 * Hồ sơ (/ho-so): danh mục hồ sơ of a year (drafted by the clerk or archivist, approved by the leader; files opened
 * from it), the files (hồ sơ) the person may see, and nộp lưu — for the archivist the deposits waiting to be received
 * (tiếp nhận or trả lại), for the others the files due for deposit. The tab and the year are kept in the address.
 */
export function RecordsPage() {
  const [params, setParams] = useSearchParams();
  const thisYear = Number(vietnamToday().slice(0, 4));
  const year = Number(params.get("nam")) || thisYear;
  const tab = params.get("tab") ?? "plans";
  const archivist = useHasRole("archivist");
  const set = (key: string, value: string) => { const next = new URLSearchParams(params); next.set(key, value); setParams(next); };
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>{rec.title}</Typography.Title>
      <Space>
        <label htmlFor="records-year">{rec.year}</label>
        <InputNumber id="records-year" min={2000} max={2200} precision={0} value={year}
          onChange={(v) => typeof v === "number" && set("nam", String(v))} />
      </Space>
      <Tabs activeKey={tab} onChange={(key) => set("tab", key)} items={[
        { key: "plans", label: rec.tabs.plans, children: <PlanView key={year} year={year} /> },
        { key: "files", label: rec.tabs.files, children: (
          <Space direction="vertical" size="middle" style={{ width: "100%" }}>
            {archivist && <ImportPackage />}
            <FilesList year={year} label={rec.tabs.files} />
          </Space>) },
        { key: "deposits", label: rec.tabs.deposits, children: archivist
          ? <FilesList year={year} state="submitted" empty={rec.deposits.none} label={rec.deposits.waiting} />
          : <FilesList year={year} depositDue empty={rec.deposits.noneDue} label={rec.deposits.due} /> },
      ]} />
    </Space>
  );
}
