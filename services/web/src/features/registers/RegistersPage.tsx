import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert, App, Button, Checkbox, DatePicker, Form, Input, InputNumber, Modal, Segmented, Select, Space, Table, Tag,
  Timeline, Tooltip, Typography, type TableColumnsType,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { Link } from "react-router-dom";
import { unwrap, type Document, type Register } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import type { components } from "../../api/schema";
import { DATE_CELL, formatDate, formatDateTime } from "../../components/dates";
import { FieldSelect, READABLE_OPTIONS } from "../../components/FieldSelect";
import { common } from "../../components/messages";
import { REGISTER_KEEPERS, REGISTER_READERS, useHasRole } from "../../components/roles";
import { reg } from "./messages";
import { useActorName } from "../../components/actors";
import { bookNumber } from "../../components/numbers";

type Direction = "incoming" | "outgoing" | "copy";
type Format = "pdf" | "xlsx" | "csv";
type RegisterBody = components["schemas"]["RegisterIn"];
const DIRECTIONS: Direction[] = ["incoming", "outgoing", "copy"];
const FORMATS: { format: Format; label: string }[] = [
  { format: "pdf", label: "PDF" }, { format: "xlsx", label: "Excel (XLSX)" }, { format: "csv", label: "CSV" }];
/** How many entries one page of the screen shows (the book itself is exported whole). */
const PAGE = 100;
const ISO = "YYYY-MM-DD";

/**
 * The file name of a Content-Disposition header: its UTF-8 ``filename*`` (RFC 8187, as the gateway names Vietnamese
 * files: ``filename*=UTF-8''V%C4%83n%20b%E1%BA%A3n%20%C4%91%E1%BA%BFn.xlsx``) before its ASCII ``filename``
 * (``attachment; filename="so-den-2026.pdf"``).
 */
export function fileNameOf(header: string | null, fallback: string): string {
  const extended = /filename\*=UTF-8''([^;\s]+)/i.exec(header ?? "");
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!).normalize("NFC");
    } catch {
      // a malformed escape: the plain name below
    }
  }
  const match = /filename="?([^";]+)"?/.exec(header ?? "");
  return match?.[1] ?? fallback;
}

function useRegisters(direction: Direction) {
  const api = useApi();
  return useQuery({
    queryKey: ["registers", direction],
    queryFn: async () => unwrap(await api.GET("/api/v1/registers", { params: { query: { direction } } })),
  });
}

/**
 * The register's entries between two days. An incoming book lists them by the day they arrived (Ngày đến, the book's
 * first column: what a clerk means by a period of the book, and what its export takes), with Ngày đến and Số đến;
 * the others by the document's own date (Ngày văn bản: an outgoing document's is the day it was numbered, which its
 * export takes too). Numbers read as the exports print them (01, 02 …: :func:`bookNumber`).
 */
function Entries({ register, from, to }: { register: Register; from: string; to: string }) {
  const api = useApi();
  const incoming = register.direction === "incoming";
  const query = useQuery({
    queryKey: ["documents", "register", register.id, from, to],
    queryFn: async () => unwrap(await api.GET("/api/v1/documents", {
      params: { query: { register_id: register.id, date_from: from, date_to: to,
        ...(incoming ? { date_field: "arrival" as const } : {}), page_size: PAGE } } })),
  });
  const numberSymbol = {
    title: reg.columns.numberSymbol, dataIndex: "number_symbol", key: "number_symbol", width: 150,
    render: (value: string, doc: Document) => <Link to={`/van-ban/${doc.id}`}>{value || "—"}</Link>,
  };
  const documentDate = { title: reg.columns.date, dataIndex: "document_date", key: "date", width: 120,
    className: DATE_CELL, render: formatDate };
  const rest: TableColumnsType<Document> = [
    {
      title: incoming ? reg.columns.author : reg.columns.party, key: "party", width: 220,
      render: (_: unknown, doc) => doc.direction === "incoming"
        ? doc.issuing_agency_name : doc.recipients.map((r) => r.name).join("; "),
    },
    { title: reg.columns.abstract, dataIndex: "abstract", key: "abstract" },
    { title: reg.columns.status, dataIndex: "status", key: "status", width: 130,
      render: (value: string) => common.status[value] ?? value },
  ];
  const columns: TableColumnsType<Document> = incoming
    ? [{ title: reg.columns.arrivalDate, dataIndex: "arrived_at", key: "arrived_at", width: 110, className: DATE_CELL,
      render: formatDate },
      { title: reg.columns.arrivalNumber, dataIndex: "number", key: "number", width: 80, render: bookNumber },
      numberSymbol, documentDate, ...rest]
    : [{ title: reg.columns.number, dataIndex: "number", key: "number", width: 80, render: bookNumber }, documentDate, numberSymbol,
      ...rest];
  if (query.isError) {
    return <Alert type="error" showIcon message={common.error} description={query.error.message}
      action={<Button onClick={() => void query.refetch()}>{common.retry}</Button>} />;
  }
  return (
    <>
      <Table<Document> rowKey="id" size="middle" loading={query.isLoading} columns={columns}
        dataSource={query.data?.items ?? []} pagination={false} scroll={{ x: incoming ? 990 : 880 }} aria-label={reg.entries}
        locale={{ emptyText: <span style={{ color: "#595959" }}>{reg.empty}</span> }} />
      {query.data?.next_page_token && <Typography.Paragraph type="secondary">{reg.more}</Typography.Paragraph>}
    </>
  );
}

function ExportButtons({ register, from, to }: { register: Register; from: string; to: string }) {
  const api = useApi();
  const { message } = App.useApp();
  const [busy, setBusy] = useState<Format | "">("");
  const download = async (format: Format) => {
    setBusy(format);
    try {
      const reply = await api.GET("/api/v1/registers/{register_id}/export", {
        params: { path: { register_id: register.id }, query: { date_from: from, date_to: to, format } },
        parseAs: "blob",
      });
      if (!reply.response.ok || !reply.data) {
        const detail = (reply.error as { detail?: string } | undefined)?.detail;
        void message.error(detail ? `${reg.exportFailed}: ${detail}` : reg.exportFailed);
        return;
      }
      const url = URL.createObjectURL(reply.data as unknown as Blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = fileNameOf(reply.response.headers.get("Content-Disposition"), `so-van-ban.${format}`);
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } finally {
      setBusy("");
    }
  };
  return (
    <Space wrap aria-label={reg.exportLabel}>
      {FORMATS.map(({ format, label }) => (
        <Button key={format} loading={busy === format} onClick={() => void download(format)}
          aria-label={reg.exportAs(label)}>
          {label}
        </Button>
      ))}
    </Space>
  );
}

function History({ register }: { register: Register }) {
  const api = useApi();
  const actorName = useActorName();
  const query = useQuery({
    queryKey: ["register-history", register.id],
    queryFn: async () => unwrap(await api.GET("/api/v1/registers/{register_id}/history", {
      params: { path: { register_id: register.id } } })),
  });
  if (!query.data?.length) return null;
  return (
    <section aria-label={reg.history}>
      <Typography.Title level={2} style={{ fontSize: 17 }}>{reg.history}</Typography.Title>
      <Timeline items={query.data.map((e) => ({
        children: <span>{formatDateTime(e.at)} — {reg.historyAction[e.action] ?? e.action}
          {e.note ? `: ${e.note}` : ""} ({actorName(e.actor)})</span>,
      }))} />
    </section>
  );
}

/** Mở sổ mới: name, the agency's abbreviation, the types it numbers (outgoing), QPPL or a second arrival series. */
function CreateRegister({ direction, open, onClose }: { direction: Direction; open: boolean; onClose: () => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ name: string; agency_abbreviation?: string; type_codes?: string[];
    legal_normative?: boolean; separate_arrival_series?: boolean }>();
  const types = useQuery({
    queryKey: ["document-types"],
    queryFn: async () => unwrap(await api.GET("/api/v1/document-types")),
    enabled: open && direction === "outgoing",
  });
  const create = useMutation({
    mutationFn: async (body: RegisterBody) => unwrap(await api.POST("/api/v1/registers", { body })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["registers"] });
      void message.success(reg.created);
      form.resetFields();
      onClose();
    },
  });
  return (
    <Modal open={open} title={`${reg.createTitle} — ${reg.direction[direction]}`} onCancel={onClose}
      okText={reg.create} cancelText={common.cancel} onOk={() => form.submit()} confirmLoading={create.isPending}
      destroyOnHidden>
      <Form form={form} layout="vertical" aria-label={reg.createTitle} onFinish={(v) => create.mutate({
        direction, name: v.name.trim().normalize("NFC"),
        agency_abbreviation: (v.agency_abbreviation ?? "").trim().normalize("NFC"),
        type_codes: v.type_codes ?? [], legal_normative: !!v.legal_normative,
        separate_arrival_series: !!v.separate_arrival_series })}>
        <Form.Item name="name" label={reg.name} extra={reg.nameHelp}
          rules={[{ required: true, whitespace: true, message: reg.nameRequired }]}>
          <Input maxLength={200} />
        </Form.Item>
        {direction === "outgoing" && (
          <>
            <Form.Item name="agency_abbreviation" label={reg.abbreviation} extra={reg.abbreviationHelp}>
              <Input maxLength={20} style={{ maxWidth: 200 }} />
            </Form.Item>
            <Form.Item name="type_codes" label={reg.types} extra={reg.typesHelp}>
              <FieldSelect mode="multiple" showSearch optionFilterProp="label" loading={types.isLoading}
                options={(types.data ?? []).map((t) => ({ value: t.code, label: t.name }))} />
            </Form.Item>
            <Form.Item name="legal_normative" valuePropName="checked">
              <Checkbox>{reg.legalNormative}</Checkbox>
            </Form.Item>
          </>
        )}
        {direction === "incoming" && (
          <Form.Item name="separate_arrival_series" valuePropName="checked">
            <Checkbox>{reg.separateSeries}</Checkbox>
          </Form.Item>
        )}
        {create.isError && <Alert type="error" showIcon message={create.error.message} />}
      </Form>
    </Modal>
  );
}

/**
 * Tiếp tục số (``/start``) or Đóng sổ (``/close``): both ask a reason, kept in the register's history. Tiếp tục số
 * says what the registry does with the number (registers_store.set_start): this year's series (``year``, Vietnam
 * time, the server's) continues at it, the smaller numbers count as given by the previous system, next year starts
 * at 01 again, once a year and before the first number; a series already started (the register's next number past
 * 01) is said so, with nothing to send.
 */
function KeeperDialog({ register, kind, year, onClose }: { register: Register; kind: "start" | "close"; year: number;
  onClose: () => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ next_number?: number; reason: string }>();
  const typed = Form.useWatch("next_number", form);
  const act = useMutation({
    mutationFn: async (v: { next_number?: number; reason: string }) => {
      const reason = v.reason.trim().normalize("NFC");
      const path = { register_id: register.id };
      if (kind === "start") {
        const started = unwrap(await api.POST("/api/v1/registers/{register_id}/start", {
          params: { path }, body: { next_number: v.next_number ?? 0, reason } }));
        return reg.started(started.next_number, started.year);
      }
      unwrap(await api.POST("/api/v1/registers/{register_id}/close", { params: { path }, body: { reason } }));
      return reg.closedDone;
    },
    onSuccess: async (text) => {
      await queries.invalidateQueries({ queryKey: ["registers"] });
      await queries.invalidateQueries({ queryKey: ["register-history", register.id] });
      void message.success(text);
      onClose();
    },
  });
  const title = kind === "start" ? reg.startTitle(year) : reg.closeTitle;
  const started = kind === "start" && register.next_number > 1;
  const effect = typeof typed === "number" && Number.isInteger(typed) && typed >= 2
    ? reg.startEffect(bookNumber(typed), bookNumber(typed - 1)) : undefined;
  return (
    // the title keeps clear of the close button (at 390 px a long one ran under the ×)
    <Modal open title={`${title}: ${register.name}`} onCancel={onClose} cancelText={common.cancel}
      styles={{ header: { paddingInlineEnd: 32 } }}
      okText={kind === "start" ? reg.start : reg.close} okButtonProps={{ danger: kind === "close", disabled: started }}
      onOk={() => form.submit()} confirmLoading={act.isPending}>
      {kind === "start"
        ? <div data-testid="start-help">{reg.startHelp(year, reg.numberWord[register.direction] ?? "số")
          .map((text) => <Typography.Paragraph key={text}>{text}</Typography.Paragraph>)}</div>
        : <Typography.Paragraph>{reg.closeHelp}</Typography.Paragraph>}
      {started && <Alert type="warning" showIcon style={{ marginBottom: 16 }} data-testid="start-taken"
        message={reg.startTaken(year, bookNumber(register.next_number))} />}
      <Form form={form} layout="vertical" aria-label={title} onFinish={(v) => act.mutate(v)} disabled={started}>
        {kind === "start" && (
          <Form.Item name="next_number" label={reg.nextNumber} extra={effect}
            rules={[{ required: true, type: "integer", min: 2, max: 999_999, message: reg.nextNumberRequired }]}>
            <InputNumber min={2} max={999_999} precision={0} style={{ width: 160 }} />
          </Form.Item>
        )}
        <Form.Item name="reason" label={reg.reason} extra={kind === "start" ? reg.startReasonHelp : undefined}
          rules={[{ required: true, whitespace: true, message: reg.reasonRequired }]}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
        {act.isError && <Alert type="error" showIcon message={act.error.message} />}
      </Form>
    </Modal>
  );
}

/**
 * Sổ văn bản: the agency's register books by direction (đến, đi, bản sao) and year, their entries between two dates
 * (dd/mm/yyyy), export (PDF to bind, XLSX, CSV: Decree 30/2020 Appendix IV) for clerks, leaders, archivists and
 * admins; clerks and admins also open a register, continue this year's series and close one. ``today`` is the
 * calendar date the year defaults to (tests give one). With more than one open outgoing register a hint names them
 * (quyết định are numbered in their own: an empty "Sổ văn bản đi" does not mean nothing was issued); the API gives
 * no counts per register cheaply, so none are shown.
 */
export function RegistersPage({ today }: { today?: Dayjs }) {
  const now = today ?? dayjs();
  const keeper = useHasRole(...REGISTER_KEEPERS);
  const reader = useHasRole(...REGISTER_READERS);
  const [direction, setDirection] = useState<Direction>("incoming");
  const [chosen, setChosen] = useState<string>("");
  const [year, setYear] = useState(now.year());
  const [range, setRange] = useState<[Dayjs, Dayjs]>([now.startOf("year"), now.endOf("year")]);
  const [creating, setCreating] = useState(false);
  const [dialog, setDialog] = useState<"" | "start" | "close">("");
  const registers = useRegisters(direction);
  const list = registers.data ?? [];
  const register = list.find((r) => r.id === chosen) ?? list.find((r) => r.active) ?? list[0];
  const from = range[0].format(ISO);
  const to = range[1].format(ISO);
  const years = Array.from({ length: 6 }, (_, i) => now.year() - i);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>{reg.title}</Typography.Title>
      <Space wrap align="end" style={{ marginBottom: 16 }}>
        <Segmented<Direction> aria-label={reg.directionLabel} value={direction}
          onChange={(value) => { setDirection(value); setChosen(""); }}
          options={DIRECTIONS.map((d) => ({ value: d, label: reg.short[d] }))} />
        {keeper && <Button onClick={() => setCreating(true)}>{reg.create}</Button>}
      </Space>
      {registers.isError && <Alert type="error" showIcon message={common.error} description={registers.error.message} />}
      {registers.isSuccess && list.length === 0 && <Alert type="info" showIcon message={reg.noRegister} />}
      {register && (
        <>
          <Space wrap align="end" style={{ marginBottom: 16 }}>
            <label>
              <div>{reg.register}</div>
              <Select {...READABLE_OPTIONS} aria-label={reg.register} value={register.id} style={{ minWidth: 260, maxWidth: "100%" }}
                onChange={setChosen} options={list.map((r) => ({
                  value: r.id, label: r.active ? r.name : `${r.name} (${reg.closed})` }))} />
            </label>
            <label>
              <div>{reg.year}</div>
              <Select aria-label={reg.year} value={year} style={{ width: 110 }}
                options={years.map((y) => ({ value: y, label: String(y) }))}
                onChange={(y: number) => {
                  setYear(y);
                  const start = dayjs(`${y}-01-01`);
                  setRange([start, start.endOf("year")]);
                }} />
            </label>
            <label>
              <div>{register.direction === "incoming" ? reg.arrivalPeriod : reg.period}</div>
              <DatePicker.RangePicker format="DD/MM/YYYY" value={range} allowClear={false}
                aria-label={register.direction === "incoming" ? reg.arrivalPeriod : reg.period} style={{ maxWidth: "100%" }}
                onChange={(values) => {
                  if (values?.[0] && values[1]) setRange([values[0], values[1]]);
                }} />
            </label>
          </Space>
          {direction === "outgoing" && list.filter((r) => r.active).length > 1 && (
            <Alert type="info" showIcon style={{ marginBottom: 16 }} data-testid="own-registers"
              message={reg.ownRegisters(list.filter((r) => r.active).map((r) => r.name))} />
          )}
          <Space wrap style={{ marginBottom: 16 }}>
            <Tag color={register.active ? "#237804" : "#595959"}>{register.active ? reg.open : reg.closed}</Tag>
            {reader && <ExportButtons register={register} from={from} to={to} />}
            {keeper && register.active && (
              // what it does, on hover or focus (the dialog it opens says it all before anything is sent)
              <Tooltip title={reg.startHint(now.year())}>
                <Button onClick={() => setDialog("start")}>{reg.start}</Button>
              </Tooltip>
            )}
            {keeper && register.active && <Button danger onClick={() => setDialog("close")}>{reg.close}</Button>}
          </Space>
          <Typography.Title level={2} style={{ fontSize: 17 }}>{reg.entries}</Typography.Title>
          <Entries register={register} from={from} to={to} />
          <History register={register} />
          {dialog && <KeeperDialog register={register} kind={dialog} year={now.year()} onClose={() => setDialog("")} />}
        </>
      )}
      {keeper && <CreateRegister direction={direction} open={creating} onClose={() => setCreating(false)} />}
    </>
  );
}
