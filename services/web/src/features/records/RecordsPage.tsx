import { InputNumber, Space, Tabs, Typography } from "antd";
import { useSearchParams } from "react-router-dom";
import { useHasRole } from "../../components/roles";
import { vietnamToday } from "../work/deadline";
import { FilesList } from "./FilesList";
import { rec } from "./messages";
import { PlanView } from "./PlanView";

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
        { key: "plans", label: rec.tabs.plans, children: <PlanView year={year} /> },
        { key: "files", label: rec.tabs.files, children: <FilesList year={year} label={rec.tabs.files} /> },
        { key: "deposits", label: rec.tabs.deposits, children: archivist
          ? <FilesList year={year} state="submitted" empty={rec.deposits.none} label={rec.deposits.waiting} />
          : <FilesList year={year} depositDue empty={rec.deposits.noneDue} label={rec.deposits.due} /> },
      ]} />
    </Space>
  );
}
