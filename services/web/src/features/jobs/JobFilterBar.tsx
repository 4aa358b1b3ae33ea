import { Button, Form, Grid, Input, Select, Space } from "antd";
import { useEffect } from "react";
import { useSearchParams } from "react-router-dom";
import { CollapsibleFilters } from "../../components/CollapsibleFilters";
import { DateField, dateRule } from "../../components/DateField";
import { GIVEN_STATES, jobFiltersFromParams, RECEIVED_STATES, withJobFilters, type JobFilters, type JobsTab } from "./jobFilters";
import { jobs } from "./messages";

const t = jobs.filters;

/**
 * The filter bar above a Giao việc list: Giao từ ngày, Giao đến ngày (the days the job — or the person's task on it —
 * was given), Trạng thái (a job's state for Việc tôi giao; to do, due soon, overdue, done for Việc được giao), Tên
 * công việc có chứa (tones optional: the server folds them). "Lọc" puts them in the URL (the list reads them there,
 * so a link or a reload keeps them), "Xóa lọc" takes them out; the server filters, page by page. On a phone the labels
 * go above their fields.
 */
export function JobFilterBar({ tab }: { tab: JobsTab }) {
  const [params, setParams] = useSearchParams();
  const appliedKey = JSON.stringify(jobFiltersFromParams(tab, params));
  const [form] = Form.useForm<JobFilters>();
  // on a phone (under 576 px) each label goes above its field: side by side they would not fit in 360 px
  const narrow = Grid.useBreakpoint().sm === false;
  // the form shows what the URL says (a reload, a link, the browser's back button)
  useEffect(() => {
    form.resetFields();
    form.setFieldsValue(JSON.parse(appliedKey) as JobFilters);
  }, [appliedKey, form]);
  const apply = (filters: JobFilters) => setParams(withJobFilters(params, tab, filters));
  const states: { value: string; label: string }[] = tab === "given"
    ? GIVEN_STATES.map((s) => ({ value: s, label: jobs.state[s] ?? s }))
    : RECEIVED_STATES.map((s) => ({ value: s, label: jobs.received_state[s] ?? s }));
  return (
    <section aria-label={t.bar} style={{ marginBottom: 12 }}>
      <CollapsibleFilters active={Object.keys(JSON.parse(appliedKey) as JobFilters).length}>
      <Form form={form} name={`jobs-filter-${tab}`} layout={narrow ? "vertical" : "inline"} onFinish={apply}
        style={{ rowGap: 8 }}>
        <Form.Item name="date_from" label={t.from} rules={[dateRule]}>
          <DateField width={140} />
        </Form.Item>
        <Form.Item name="date_to" label={t.to} dependencies={["date_from"]} rules={[dateRule, ({ getFieldValue }) => ({
          validator: async (_: unknown, value?: string) => {
            const from = getFieldValue("date_from") as string | undefined;
            if (value && from && /^\d/.test(value) && /^\d/.test(from) && value < from) throw new Error(t.order);
          },
        })]}>
          <DateField width={140} />
        </Form.Item>
        <Form.Item name="state" label={t.state}>
          <Select allowClear placeholder={t.all} style={{ width: 180 }} options={states} />
        </Form.Item>
        <Form.Item name="q" label={t.words}>
          <Input allowClear maxLength={200} style={{ width: 220 }} />
        </Form.Item>
        <Form.Item>
          <Space wrap>
            <Button type="primary" htmlType="submit">{t.apply}</Button>
            <Button onClick={() => { form.resetFields(); apply({}); }}>{t.clear}</Button>
          </Space>
        </Form.Item>
      </Form>
      </CollapsibleFilters>
    </section>
  );
}
