import { Button, Form, Grid, Input, Select, Space } from "antd";
import { useEffect } from "react";
import { useSearchParams } from "react-router-dom";
import { CollapsibleFilters } from "../../components/CollapsibleFilters";
import { DateField, dateRule } from "../../components/DateField";
import { jobs } from "../jobs/messages";
import { work } from "./messages";
import { CASE_KINDS, TASK_KINDS, withWorkFilters, workFiltersFromParams, type WorkFilters } from "./workFilters";

const t = work.filters;

/**
 * The filter bar of Công việc, as the other work lists have: Loại việc (văn bản đến, văn bản đi, giao việc), Vai trò
 * (chủ trì, phối hợp, để biết…), Giao từ ngày / Giao đến ngày, Trích yếu có chứa (tones optional: the server folds
 * them); the state is the counters above the list (việc cần làm, sắp đến hạn, quá hạn, đã xong). "Lọc" puts them in
 * the URL, "Xóa lọc" takes them out; on a phone the bar folds behind "Bộ lọc".
 */
export function WorkFilterBar() {
  const [params, setParams] = useSearchParams();
  const appliedKey = JSON.stringify(workFiltersFromParams(params));
  const [form] = Form.useForm<WorkFilters>();
  const narrow = Grid.useBreakpoint().sm === false;
  useEffect(() => {
    form.resetFields();
    form.setFieldsValue(JSON.parse(appliedKey) as WorkFilters);
  }, [appliedKey, form]);
  const apply = (filters: WorkFilters) => setParams(withWorkFilters(params, filters));
  return (
    <section aria-label={t.bar}>
      <CollapsibleFilters active={Object.keys(JSON.parse(appliedKey) as WorkFilters).length}>
        <Form form={form} name="work-filter" layout={narrow ? "vertical" : "inline"} onFinish={apply}
          style={{ rowGap: 8 }}>
          <Form.Item name="case_kind" label={t.caseKind}>
            <Select allowClear placeholder={jobs.filters.all} style={{ width: 170 }}
              options={CASE_KINDS.map((k) => ({ value: k, label: t.caseKinds[k] }))} />
          </Form.Item>
          <Form.Item name="kind" label={t.kind}>
            <Select allowClear placeholder={jobs.filters.all} style={{ width: 190 }}
              options={TASK_KINDS.map((k) => ({ value: k, label: work.kind[k] ?? k }))} />
          </Form.Item>
          <Form.Item name="date_from" label={jobs.filters.from} rules={[dateRule]}>
            <DateField width={140} />
          </Form.Item>
          <Form.Item name="date_to" label={jobs.filters.to} dependencies={["date_from"]} rules={[dateRule,
            ({ getFieldValue }) => ({ validator: async (_: unknown, value?: string) => {
              const from = getFieldValue("date_from") as string | undefined;
              if (value && from && /^\d/.test(value) && /^\d/.test(from) && value < from) {
                throw new Error(jobs.filters.order);
              }
            } })]}>
            <DateField width={140} />
          </Form.Item>
          <Form.Item name="q" label={t.words}>
            <Input allowClear maxLength={200} style={{ width: 220 }} />
          </Form.Item>
          <Form.Item>
            <Space wrap>
              <Button type="primary" htmlType="submit">{jobs.filters.apply}</Button>
              <Button onClick={() => { form.resetFields(); apply({}); }}>{jobs.filters.clear}</Button>
            </Space>
          </Form.Item>
        </Form>
      </CollapsibleFilters>
    </section>
  );
}
