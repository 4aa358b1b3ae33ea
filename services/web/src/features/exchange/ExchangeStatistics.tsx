import { useQuery } from "@tanstack/react-query";
import { Alert, App, Button, Card, Checkbox, Skeleton, Space, Table, Typography } from "antd";
import { useState } from "react";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import type { components } from "../../api/schema";
import { PeriodPicker, usePeriod } from "../dashboard/PeriodPicker";
import { vietnamToday } from "../work/deadline";
import { exch } from "./messages";

type Row = components["schemas"]["AgencyStatisticsOut"];
type Count = Exclude<keyof Row, "agency_code" | "agency_name">;
const COUNTS: Count[] = ["packages_sent", "deliveries", "deliveries_failed", "packages_received", "packages_returned",
  "returned_by_recipients", "revocations_sent", "revocations_accepted", "revocations_refused",
  "acknowledgements_overdue"];
/** Counts that call for attention: shown in red when not zero. */
const ALERTS = new Set<Count>(["deliveries_failed", "returned_by_recipients", "acknowledgements_overdue"]);
const RED = "#cf1322";
const MAX_DAYS = 366;

const active = (row: Row) => COUNTS.some((c) => row[c] > 0);

function days(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}

/**
 * Thống kê liên thông (issue 12): per agency — the caller's and those under it in the directory, the province for
 * the provincial office — the packages sent, the deliveries and those that failed, received, returned (02), the
 * take-backs asked (13) and the arrivals not acknowledged (01) in time, for a period, with the server's XLSX (GET
 * /api/v1/interchange/statistics[/export]; clerk, leader, admin). ``today``: Vietnam's date, for the presets.
 */
export function ExchangeStatistics({ today = vietnamToday() }: { today?: string }) {
  const api = useApi();
  const { message } = App.useApp();
  const period = usePeriod(today);
  const [onlyActive, setOnlyActive] = useState(true);
  const { from, to } = period;
  const valid = !!from && !!to && from <= to && days(from, to) <= MAX_DAYS;
  const query = useQuery({
    queryKey: ["exchange-statistics", from, to],
    queryFn: async () => unwrap(await api.GET("/api/v1/interchange/statistics",
      { params: { query: { date_from: from, date_to: to } } })),
    enabled: valid,
  });
  const [exporting, setExporting] = useState(false);
  const exportXlsx = async () => {
    setExporting(true);
    try {
      const reply = await api.GET("/api/v1/interchange/statistics/export",
        { params: { query: { date_from: from, date_to: to } }, parseAs: "blob" });
      if (!reply.data) throw new Error(exch.exportFailed);
      const url = URL.createObjectURL(reply.data as Blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `thong-ke-lien-thong-${from.replaceAll("-", "")}-${to.replaceAll("-", "")}.xlsx`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      void message.error(exch.exportFailed);
    } finally {
      setExporting(false);
    }
  };
  const rows = query.data ?? [];
  const shown = onlyActive ? rows.filter(active) : rows;
  const totals = Object.fromEntries(COUNTS.map((c) => [c, rows.reduce((sum, r) => sum + r[c], 0)])) as Record<Count,
    number>;
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>{exch.title}</Typography.Title>
      <Typography.Text>{exch.intro}</Typography.Text>
      <Card>
        <Space direction="vertical" style={{ width: "100%" }}>
          <PeriodPicker period={period} today={today} testId="exchange-period" />
          {!valid && <Alert type="warning" showIcon message={exch.badRange} />}
          <Space wrap>
            <Button onClick={() => void exportXlsx()} loading={exporting} disabled={!valid}>{exch.xlsx}</Button>
            <Checkbox checked={onlyActive} onChange={(e) => setOnlyActive(e.target.checked)}>{exch.onlyActive}</Checkbox>
          </Space>
        </Space>
      </Card>
      {query.isLoading ? <Skeleton active /> : query.isError ? (
        <Alert type="error" showIcon message={query.error.message} />
      ) : valid && query.data && (
        <Card>
          {!rows.some(active) ? <Typography.Text>{exch.empty}</Typography.Text> : (
            <div data-testid="exchange-table">
              <Table size="small" rowKey="agency_code" pagination={false} dataSource={shown} scroll={{ x: true }}
                columns={[
                  { title: exch.columns.agency_code, dataIndex: "agency_code" },
                  { title: exch.columns.agency_name, dataIndex: "agency_name" },
                  ...COUNTS.map((c) => ({ title: exch.columns[c], dataIndex: c, align: "right" as const,
                    render: (n: number) => <span style={{ color: n && ALERTS.has(c) ? RED : undefined }}>{n}</span> })),
                ]}
                summary={() => (
                  <Table.Summary.Row>
                    <Table.Summary.Cell index={0} colSpan={2}><strong>{exch.total}</strong></Table.Summary.Cell>
                    {COUNTS.map((c, i) => (
                      <Table.Summary.Cell key={c} index={i + 2} align="right"><strong>{totals[c]}</strong></Table.Summary.Cell>
                    ))}
                  </Table.Summary.Row>
                )} />
            </div>
          )}
        </Card>
      )}
    </Space>
  );
}
