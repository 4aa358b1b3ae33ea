import { useQuery } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Progress, Row, Segmented, Skeleton, Space, Statistic, Table,
  Tag, Typography } from "antd";
import { useState } from "react";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import type { components } from "../../api/schema";
import { jobs } from "../jobs/messages";
import { out } from "../outgoing/messages";
import { vietnamToday } from "../work/deadline";
import { work } from "../work/messages";
import { BarChart } from "./BarChart";
import { dash } from "./messages";
import { PeriodPicker, usePeriod } from "./PeriodPicker";

type Row = components["schemas"]["DashboardRowOut"];
type Kind = "incoming" | "outgoing" | "job";
const KINDS: Kind[] = ["incoming", "outgoing", "job"];
const STATE_NAMES: Record<Kind, Record<string, string>> = { incoming: work.caseState, outgoing: out.caseState,
  job: jobs.state };
const RED = "#cf1322";
const AMBER = "#ad6800";
const GREEN = "#237804";

const percent = (rate: number) => `${(rate * 100).toLocaleString("vi-VN", { maximumFractionDigits: 1 })}%`;
const rateColor = (rate: number) => (rate >= 0.2 ? RED : rate > 0 ? AMBER : GREEN);

function unitName(row: Row) {
  return row.unit_code === "-" ? dash.noUnit : row.unit_name || row.unit_code || dash.agency;
}

/** The median processing time in days, or "—" when nothing was completed (the service's 0 is then no median). */
function median(row: Row): string {
  return row.completed > 0 ? dash.days(row.median_processing_days) : dash.noMedian;
}

/** The whole agency's (or, for a head, the first unit's) figures as four statistics. */
function Summary({ row, kind }: { row: Row; kind: Kind }) {
  return (
    <Row gutter={[12, 12]}>
      <Col xs={12} md={6}><Statistic title={dash.total} value={row.total} /></Col>
      <Col xs={12} md={6}>
        <Statistic title={dash.overdueOpen} value={row.overdue_open} valueStyle={{ color: row.overdue_open ? RED : undefined }} />
      </Col>
      <Col xs={12} md={6}><Statistic title={dash.completedLate} value={row.completed_late} /></Col>
      <Col xs={12} md={6}>
        <div style={{ color: "#595959", fontSize: 14 }}>{dash.overdueRate}</div>
        <Progress type="circle" size={64} percent={Math.round(row.overdue_rate * 1000) / 10}
          strokeColor={rateColor(row.overdue_rate)} format={() => percent(row.overdue_rate)}
          aria-label={`${dash.overdueRate}: ${percent(row.overdue_rate)}`} />
      </Col>
      <Col xs={24}>
        <Typography.Text data-testid="dash-median">
          {dash.median}: <strong>{median(row)}</strong>
          {row.completed > 0 ? null : <Typography.Text type="secondary"> ({dash.noneCompleted[kind]})</Typography.Text>}
        </Typography.Text>
      </Col>
    </Row>
  );
}

/**
 * Báo cáo thống kê: per unit (and for leaders the whole agency) the cases started in the period — by state, quá hạn
 * chưa xong, hoàn thành quá hạn, tỷ lệ quá hạn, thời gian xử lý (median, days) — for văn bản đến, văn bản đi or công
 * việc, with bar charts in inline SVG and exports as CSV or XLSX (GET /api/v1/workflow/dashboard[/export]; the
 * server decides who sees which units: leaders all, heads their own). ``today``: Vietnam's date, for the presets.
 */
export function Dashboard({ today = vietnamToday() }: { today?: string }) {
  const api = useApi();
  const { message } = App.useApp();
  const [kind, setKind] = useState<Kind>("incoming");
  const period = usePeriod(today);
  const { from, to } = period;
  const valid = !!from && !!to && from <= to;
  const query = useQuery({
    queryKey: ["dashboard", kind, from, to],
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/dashboard",
      { params: { query: { date_from: from, date_to: to, kind } } })),
    enabled: valid,
  });
  const [exporting, setExporting] = useState<"" | "csv" | "xlsx">("");
  const exportAs = async (format: "csv" | "xlsx") => {
    setExporting(format);
    try {
      const reply = await api.GET("/api/v1/workflow/dashboard/export",
        { params: { query: { date_from: from, date_to: to, kind, format } }, parseAs: "blob" });
      if (!reply.data) throw new Error(dash.exportFailed);
      const url = URL.createObjectURL(reply.data as Blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `thong-ke-${kind}-${from}-${to}.${format}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      void message.error(dash.exportFailed);
    } finally {
      setExporting("");
    }
  };
  const states = STATE_NAMES[kind];
  const units = query.data?.units ?? [];
  const summary = query.data?.agency ?? (units.length === 1 ? units[0] : undefined);
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>{dash.title}</Typography.Title>
      <Card>
        <Space direction="vertical" style={{ width: "100%" }}>
          <Space wrap align="center">
            <span id="dash-kind">{dash.kindLabel}:</span>
            <Segmented aria-labelledby="dash-kind" value={kind} onChange={(v) => setKind(v as Kind)}
              options={KINDS.map((k) => ({ value: k, label: dash.kind[k] }))} />
          </Space>
          <PeriodPicker period={period} today={today} testId="dash-period" />
          {!valid && <Alert type="warning" showIcon message={dash.badRange} />}
          <Space wrap>
            <Button onClick={() => void exportAs("xlsx")} loading={exporting === "xlsx"} disabled={!valid}>
              {dash.export.xlsx}
            </Button>
            <Button onClick={() => void exportAs("csv")} loading={exporting === "csv"} disabled={!valid}>
              {dash.export.csv}
            </Button>
          </Space>
        </Space>
      </Card>
      {query.isLoading ? <Skeleton active /> : query.isError ? (
        <Alert type="error" showIcon message={query.error.message} />
      ) : valid && query.data && (
        <>
          {summary && (
            <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{query.data.agency ? dash.agency : unitName(summary)}</h2>}>
              <Summary row={summary} kind={kind} />
            </Card>
          )}
          <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{dash.units}</h2>}>
            {units.length === 0 ? <Typography.Text>{dash.empty}</Typography.Text> : (
              <Space direction="vertical" size="large" style={{ width: "100%" }}>
                <Row gutter={[24, 24]}>
                  <Col xs={24} lg={12}>
                    <BarChart title={dash.rateChart} testId="chart-rate" max={1} bars={units.map((r) => ({
                      label: unitName(r), value: r.overdue_rate, text: percent(r.overdue_rate),
                      color: rateColor(r.overdue_rate) }))} />
                  </Col>
                  <Col xs={24} lg={12}>
                    <BarChart title={dash.medianChart} testId="chart-median" bars={units.map((r) => ({
                      label: unitName(r), value: r.completed > 0 ? r.median_processing_days : 0, text: median(r) }))} />
                  </Col>
                </Row>
                <div data-testid="dash-table">
                  <Table size="small" rowKey={(r) => r.unit_code || "agency"} pagination={false} dataSource={units}
                    scroll={{ x: true }} columns={[
                      { title: dash.unit, key: "unit", render: (_, r: Row) => unitName(r) },
                      { title: dash.total, dataIndex: "total" },
                      { title: dash.byState, key: "states", render: (_, r: Row) => (
                        <Space wrap size={[4, 4]}>
                          {Object.entries(r.by_state).filter(([, n]) => n > 0).map(([s, n]) => (
                            <Tag key={s}>{states[s] ?? s}: {n}</Tag>
                          ))}
                        </Space>
                      ) },
                      { title: dash.overdueOpen, dataIndex: "overdue_open",
                        render: (n: number) => <span style={{ color: n ? RED : undefined }}>{n}</span> },
                      { title: dash.completedLate, dataIndex: "completed_late" },
                      { title: dash.overdueRate, dataIndex: "overdue_rate", render: (v: number) => percent(v) },
                      { title: dash.median, key: "median", render: (_, r: Row) => median(r) },
                    ]} />
                </div>
                <Typography.Text type="secondary">{dash.rateNote}</Typography.Text>
              </Space>
            )}
          </Card>
        </>
      )}
    </Space>
  );
}
