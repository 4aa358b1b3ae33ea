import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Checkbox, Form, Input, Modal, Radio, Space, Spin } from "antd";
import { useState } from "react";
import { unwrap, type Document, type Register } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { messages } from "./messages";

const MAX_REASON = 1000;

/**
 * The register an arrival goes into unless the clerk picks another (Vào sổ's choice, preselected): the agency's only
 * open incoming register, or else the only one kept for the arrival's type (its ``type_codes`` list it); "" when the
 * clerk has to choose among several.
 */
export function defaultRegister(active: Pick<Register, "id" | "type_codes">[], typeCode: string): string {
  if (active.length === 1) return active[0]!.id;
  const forType = active.filter((r) => (r.type_codes ?? []).includes(typeCode));
  return forType.length === 1 ? forType[0]!.id : "";
}

/** The clerk's gestures on an arrival: vào sổ (takes the số đến) or trả lại with a reason. */
export function ArrivalActions({ doc }: { doc: Document }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [dialog, setDialog] = useState<"" | "register" | "reject">("");
  const [registerForm] = Form.useForm<{ confirm: boolean; reason: string }>();
  const [registerId, setRegisterId] = useState("");
  const [missingRegister, setMissingRegister] = useState(false);
  const [rejectForm] = Form.useForm<{ reason: string }>();
  // the registry asks for a reason only while the check failed or is still running (a paper scan is "unsigned")
  const signatureOk = !["invalid", "pending"].includes(doc.signature_check ?? "");
  const registers = useQuery({
    queryKey: ["registers", "incoming"],
    queryFn: async () => unwrap(await api.GET("/api/v1/registers", { params: { query: { direction: "incoming" } } })),
    enabled: dialog === "register",
  });
  const done = async (updated: Document) => {
    queries.setQueryData(["document", doc.id], updated);
    await queries.invalidateQueries({ queryKey: ["documents"] });
    await queries.invalidateQueries({ queryKey: ["history", doc.id] });
    setDialog("");
  };
  const register = useMutation({
    mutationFn: async (values: { register_id: string; confirm: boolean; reason: string }) =>
      unwrap(
        await api.POST("/api/v1/documents/{document_id}/register", {
          params: { path: { document_id: doc.id } },
          body: {
            register_id: values.register_id,
            confirm_duplicate: false,
            confirm_signature_problem: !signatureOk && values.confirm,
            reason: signatureOk ? "" : (values.reason ?? "").normalize("NFC"),
          },
        }),
      ),
    onSuccess: async (updated) => {
      await done(updated);
      void message.success(messages.actions.registered(updated.number));
    },
  });
  const reject = useMutation({
    mutationFn: async (reason: string) =>
      unwrap(
        await api.POST("/api/v1/documents/{document_id}/reject", {
          params: { path: { document_id: doc.id } },
          body: { reason: reason.normalize("NFC") },
        }),
      ),
    onSuccess: async (updated) => {
      await done(updated);
      void message.success(messages.actions.rejected);
    },
  });
  const active = registers.data?.filter((r) => r.active) ?? [];
  const chosen = registerId || defaultRegister(active, doc.type_code);
  return (
    <>
      <Space wrap>
        <Button type="primary" onClick={() => setDialog("register")}>{messages.actions.register}</Button>
        <Button danger onClick={() => setDialog("reject")}>{messages.actions.reject}</Button>
      </Space>
      <Modal
        open={dialog === "register"}
        title={messages.actions.registerTitle}
        okText={messages.actions.register}
        cancelText="Hủy"
        confirmLoading={register.isPending}
        onCancel={() => setDialog("")}
        onOk={() => {
          setMissingRegister(!chosen);
          registerForm.validateFields().then((v) => {
            if (chosen) register.mutate({ ...v, register_id: chosen });
          }, () => undefined);
        }}
        destroyOnHidden
      >
        <Form form={registerForm} layout="vertical" preserve={false} initialValues={{ confirm: false }}>
          {!signatureOk && <Alert type="warning" showIcon message={messages.actions.signatureWarning} style={{ marginBottom: 16 }} />}
          {registers.isLoading && <Spin />}
          {registers.isSuccess && active.length === 0 && <Alert type="error" message={messages.actions.noRegister} />}
          <fieldset style={{ border: 0, padding: 0, margin: "0 0 16px" }}>
            <legend style={{ fontSize: 15, marginBottom: 8 }}>{messages.actions.register_id}</legend>
            <Radio.Group value={chosen} onChange={(e) => setRegisterId(String(e.target.value))}
              options={active.map((r) => ({ value: r.id, label: r.name }))}
              style={{ display: "flex", flexDirection: "column", gap: 8 }} />
            {missingRegister && !chosen && (
              <div role="alert" style={{ color: "#cf1322", marginTop: 4 }}>{messages.actions.chooseRegister}</div>
            )}
          </fieldset>
          {!signatureOk && (
            <>
              <Form.Item name="confirm" valuePropName="checked"
                rules={[{ validator: (_, v) => (v ? Promise.resolve() : Promise.reject(new Error(messages.actions.confirmSignature))) }]}>
                <Checkbox>{messages.actions.confirmSignature}</Checkbox>
              </Form.Item>
              <Form.Item name="reason" label={messages.actions.signatureReason}
                rules={[{ required: true, whitespace: true, message: messages.actions.reasonRequired }]}>
                <Input.TextArea rows={2} maxLength={MAX_REASON} />
              </Form.Item>
            </>
          )}
          {register.isError && <Alert type="error" showIcon message={register.error.message} />}
        </Form>
      </Modal>
      <Modal
        open={dialog === "reject"}
        title={messages.actions.rejectTitle}
        okText={messages.actions.reject}
        okButtonProps={{ danger: true }}
        cancelText="Hủy"
        confirmLoading={reject.isPending}
        onCancel={() => setDialog("")}
        onOk={() => rejectForm.validateFields().then((v) => reject.mutate(v.reason), () => undefined)}
        destroyOnHidden
      >
        <Form form={rejectForm} layout="vertical" preserve={false}>
          <Form.Item name="reason" label={messages.actions.rejectReason} extra={messages.actions.rejectReasonHelp}
            rules={[{ required: true, whitespace: true, message: messages.actions.reasonRequired }]}>
            <Input.TextArea rows={3} maxLength={MAX_REASON} showCount />
          </Form.Item>
          {reject.isError && <Alert type="error" showIcon message={reject.error.message} />}
        </Form>
      </Modal>
    </>
  );
}
