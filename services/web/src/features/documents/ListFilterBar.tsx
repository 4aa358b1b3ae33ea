import { useQuery } from "@tanstack/react-query";
import { App, Button, Form, Input, Modal, Select, Space } from "antd";
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { unwrap } from "../../api/client";
import type { paths } from "../../api/schema";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import { DateField, dateRule } from "../../components/DateField";
import { SEARCH_DELAY_MS, useDebounced } from "../outgoing/RecipientPicker";
import { fileNameOf } from "../registers/RegistersPage";
import { filterText as t } from "./filterMessages";
import {
  apiFilters, cleanFilters, deleteSaved, filtersFromParams, loadSaved, saveFilter, withFilters,
  type ListFilters, type ListName, type SavedFilter, type SavedList,
} from "./listFilters";
import { READABLE_OPTIONS } from "../../components/FieldSelect";
import { CollapsibleFilters } from "../../components/CollapsibleFilters";

/** A document status, as the list's tab (and the export) filter it. */
export type DocumentStatus = NonNullable<NonNullable<paths["/api/v1/documents"]["get"]["parameters"]["query"]>["status"]>;

interface AgencyValue {
  value: string;
  label: string;
}

interface FormValues {
  date_from?: string;
  date_to?: string;
  type_code?: string;
  register_id?: string;
  issuer?: AgencyValue;
  q?: string;
}

/** The issuer select's value when it filters by words of the sender's name rather than a directory entry. */
const BY_NAME = "name:";

function toForm(filters: ListFilters): FormValues {
  return {
    date_from: filters.date_from, date_to: filters.date_to, type_code: filters.type_code,
    register_id: filters.register_id, q: filters.q,
    issuer: filters.issuing_agency_code
      ? { value: filters.issuing_agency_code, label: filters.issuing_agency_name || filters.issuing_agency_code }
      : filters.issuer_q ? { value: BY_NAME + filters.issuer_q, label: t.issuerByName(filters.issuer_q) } : undefined,
  };
}

function fromForm(values: FormValues): ListFilters {
  const byName = values.issuer?.value.startsWith(BY_NAME) ? values.issuer.value.slice(BY_NAME.length) : undefined;
  return cleanFilters({
    date_from: values.date_from, date_to: values.date_to, type_code: values.type_code,
    register_id: values.register_id, q: values.q, issuer_q: byName,
    issuing_agency_code: byName === undefined ? values.issuer?.value : undefined,
    issuing_agency_name: typeof values.issuer?.label === "string" ? values.issuer.label : undefined,
  });
}

/**
 * Cơ quan ban hành: the directory searched on the server as the person types (about 111,000 agencies nationally:
 * never loaded whole), as the draft form's recipient picker does. ``byName``: a list of documents also offers the
 * typed words as a filter on the sender's name as stored, first, since a sender a clerk typed by hand (a paper
 * arrival from an agency the directory lacks) has no directory entry to pick.
 */
function IssuerSelect({ id, value, onChange, byName = false }: {
  id?: string; value?: AgencyValue; onChange?: (v?: AgencyValue) => void; byName?: boolean;
}) {
  const api = useApi();
  const [text, setText] = useState("");
  const typed = useDebounced(text.trim(), SEARCH_DELAY_MS);
  const found = useQuery({
    queryKey: ["agencies", "search", typed, "filter"],
    queryFn: async () => unwrap(await api.GET("/api/v1/agencies", { params: { query: { q: typed, page_size: 20 } } })),
    enabled: typed.length >= 2,
    staleTime: 60_000,
  });
  const words = text.normalize("NFC").trim();
  const options = [
    ...(byName && words.length >= 2 ? [{ value: BY_NAME + words, label: t.issuerByName(words) }] : []),
    ...(found.data?.items ?? []).map((a) => ({ value: a.code, label: a.name })),
  ];
  return (
    <Select<AgencyValue> {...READABLE_OPTIONS} id={id} aria-label={t.issuer} showSearch labelInValue allowClear filterOption={false}
      value={value} onChange={(v) => onChange?.(v ?? undefined)} onSearch={setText} placeholder={t.issuerSearch}
      style={{ width: 240 }} options={options} loading={found.isFetching}
      notFoundContent={typed.length >= 2 && found.isSuccess ? t.noAgency : null} popupMatchSelectWidth={false} />
  );
}

/**
 * The filter bar above a list of documents: Từ ngày, Đến ngày (by the arrival date for văn bản đến), Loại văn bản,
 * Cơ quan ban hành (văn bản đến), Sổ, Trích yếu có chứa; "Lọc" puts them in the URL (the list reads them there, so a
 * link or a reload keeps them), "Xóa lọc" takes them out. Saved filters (per person and list, in this browser) apply
 * or delete by name; "Xuất Excel" downloads the list as filtered, every page, from the gateway.
 *
 * ``tasks``: the bar above a person's own tasks on arrivals (the Văn bản đến work tabs): Giao từ ngày, Giao đến ngày
 * (the days the task was given), Loại văn bản, Cơ quan ban hành, Trích yếu có chứa — no register (a task has none)
 * and no export (the export is of documents); its saved filters are kept apart from the documents list's.
 */
export function ListFilterBar({ list, status, tasks = false }: { list: ListName; status: DocumentStatus; tasks?: boolean }) {
  const api = useApi();
  const { message } = App.useApp();
  const { person } = useAuth();
  const username = person?.username ?? "";
  const [params, setParams] = useSearchParams();
  const applied = filtersFromParams(params);
  const appliedKey = JSON.stringify(applied);
  const [form] = Form.useForm<FormValues>();
  const savedAs: SavedList = tasks ? "incoming-work" : list;
  const [saved, setSaved] = useState<SavedFilter[]>(() => loadSaved(username, savedAs));
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const [naming, setNaming] = useState(false);
  const [nameForm] = Form.useForm<{ name: string }>();
  const [exporting, setExporting] = useState(false);
  const types = useQuery({
    queryKey: ["document-types"],
    queryFn: async () => unwrap(await api.GET("/api/v1/document-types")),
    staleTime: 300_000,
  });
  const registers = useQuery({
    queryKey: ["registers", list],
    queryFn: async () => unwrap(await api.GET("/api/v1/registers", { params: { query: { direction: list } } })),
    staleTime: 300_000,
    enabled: !tasks,
  });
  // the form shows what the URL says (a reload, a link, a saved filter applied, the browser's back button)
  useEffect(() => {
    form.resetFields();
    form.setFieldsValue(toForm(JSON.parse(appliedKey) as ListFilters));
  }, [appliedKey, form]);

  // a list of tasks takes no register: a saved filter of the documents' list applies without it
  const apply = (filters: ListFilters) =>
    setParams(withFilters(params, tasks ? { ...filters, register_id: undefined } : filters));
  const submit = (values: FormValues) => apply(fromForm(values));
  const clear = () => {
    setChosen(undefined);
    form.resetFields();
    apply({});
  };
  const choose = (name?: string) => {
    setChosen(name);
    const found = saved.find((s) => s.name === name);
    if (found) apply(found.filters);
  };
  const remove = () => {
    if (!chosen) return;
    setSaved(deleteSaved(username, savedAs, chosen));
    void message.success(t.removed(chosen));
    setChosen(undefined);
  };
  const save = async () => {
    let name: string;
    let values: FormValues;
    try {
      ({ name } = await nameForm.validateFields());
      values = await form.validateFields();
    } catch {
      return;  // the form says what is missing, under its field
    }
    const filters = fromForm(values);
    const clean = name.normalize("NFC").trim();
    setSaved(saveFilter(username, savedAs, clean, filters));
    setChosen(clean);
    setNaming(false);
    nameForm.resetFields();
    apply(filters);
    void message.success(t.savedDone(clean));
  };
  const exportXlsx = async () => {
    setExporting(true);
    try {
      const reply = await api.GET("/api/v1/documents/export", {
        params: { query: { direction: list, status, format: "xlsx", ...apiFilters(applied),
          ...(list === "incoming" ? { date_field: "arrival" as const } : {}) } },
        parseAs: "blob",
      });
      if (!reply.response.ok || !reply.data) {
        const detail = (reply.error as { detail?: string } | undefined)?.detail;
        void message.error(detail ? `${t.exportFailed}: ${detail}` : t.exportFailed);
        return;
      }
      const url = URL.createObjectURL(reply.data as unknown as Blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = fileNameOf(reply.response.headers.get("Content-Disposition"),
        list === "incoming" ? "van-ban-den.xlsx" : "van-ban-di.xlsx");
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } finally {
      setExporting(false);
    }
  };

  return (
    <section aria-label={t.bar} style={{ marginBottom: 12 }}>
      <CollapsibleFilters active={Object.keys(applied).length}>
      <Form form={form} layout="inline" onFinish={submit} style={{ rowGap: 8 }}>
        <Form.Item name="date_from" label={tasks ? t.givenFrom : t.from} rules={[dateRule]}>
          <DateField width={140} />
        </Form.Item>
        <Form.Item name="date_to" label={tasks ? t.givenTo : t.to} dependencies={["date_from"]} rules={[dateRule, ({ getFieldValue }) => ({
          validator: async (_: unknown, value?: string) => {
            const from = getFieldValue("date_from") as string | undefined;
            if (value && from && /^\d/.test(value) && /^\d/.test(from) && value < from) {
              throw new Error(tasks ? t.givenOrder : t.dateOrder);
            }
          },
        })]}>
          <DateField width={140} />
        </Form.Item>
        <Form.Item name="type_code" label={t.type}>
          <Select {...READABLE_OPTIONS} allowClear showSearch optionFilterProp="label" placeholder={t.all} style={{ width: 200 }}
            loading={types.isLoading}
            options={(types.data ?? []).map((type) => ({ value: type.code, label: type.name }))} />
        </Form.Item>
        {list === "incoming" && (
          <Form.Item name="issuer" label={t.issuer}>
            <IssuerSelect byName={!tasks} />
          </Form.Item>
        )}
        {!tasks && (
          <Form.Item name="register_id" label={t.register}>
            <Select {...READABLE_OPTIONS} allowClear placeholder={t.all} style={{ width: 200 }} loading={registers.isLoading}
              options={(registers.data ?? []).map((r) => ({ value: r.id, label: r.name }))} />
          </Form.Item>
        )}
        <Form.Item name="q" label={t.words}>
          <Input allowClear maxLength={200} style={{ width: 220 }} />
        </Form.Item>
        <Form.Item>
          <Space wrap>
            <Button type="primary" htmlType="submit">{t.apply}</Button>
            <Button onClick={clear}>{t.clear}</Button>
          </Space>
        </Form.Item>
      </Form>
      <Space wrap style={{ marginTop: 8 }}>
        <Select aria-label={t.saved} placeholder={t.chooseSaved} style={{ width: 220 }} allowClear value={chosen}
          onChange={(name?: string) => choose(name)} options={saved.map((s) => ({ value: s.name, label: s.name }))} />
        <Button onClick={remove} disabled={!chosen}>{t.remove}</Button>
        <Button onClick={() => setNaming(true)}>{t.save}</Button>
        {!tasks && <Button onClick={() => void exportXlsx()} loading={exporting}>{t.export}</Button>}
      </Space>
      </CollapsibleFilters>
      <Modal open={naming} title={t.saveTitle} okText={t.save} onOk={() => void save()} destroyOnHidden
        onCancel={() => { setNaming(false); nameForm.resetFields(); }}>
        <Form form={nameForm} layout="vertical" onFinish={() => void save()}>
          <Form.Item name="name" label={t.name} extra={t.nameHelp}
            rules={[{ required: true, whitespace: true, message: t.nameRequired }]}>
            <Input maxLength={100} autoFocus />
          </Form.Item>
        </Form>
      </Modal>
    </section>
  );
}
