import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Form, Input, Modal } from "antd";
import { useState } from "react";
import { unwrap, type Document } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { messages } from "./messages";

const MAX_REASON = 500;
/** The outgoing states a document is cancelled from here: before it is numbered (an issued one is taken back: thu hồi). */
export const CANCELLABLE = ["draft", "submitted", "signed"];

/**
 * Hủy văn bản (a clerk or a leader: POST /api/v1/documents/{id}/cancel with the reason): a draft that will not be
 * issued. Its approval circuit stops with it (the workflow withdraws the case, every open task cancelled) and the
 * reason stays in the history.
 */
export function CancelAction({ doc }: { doc: Document }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();
  const t = messages.cancel;
  const cancel = useMutation({
    mutationFn: async (reason: string) => unwrap(await api.POST("/api/v1/documents/{document_id}/cancel",
      { params: { path: { document_id: doc.id } }, body: { reason: reason.normalize("NFC") } })),
    onSuccess: async (updated) => {
      queries.setQueryData(["document", doc.id], updated);
      await Promise.all([queries.invalidateQueries({ queryKey: ["documents"] }),
        queries.invalidateQueries({ queryKey: ["history", doc.id] }),
        queries.invalidateQueries({ queryKey: ["outgoing-case", doc.id] }),
        queries.invalidateQueries({ queryKey: ["inbox"] })]);
      setOpen(false);
      void message.success(t.done);
    },
  });
  return (
    <>
      <Button danger onClick={() => setOpen(true)}>{t.button}</Button>
      <Modal open={open} title={t.title} okText={t.button} cancelText={t.back} okButtonProps={{ danger: true }}
        confirmLoading={cancel.isPending} onCancel={() => setOpen(false)} destroyOnHidden
        onOk={() => form.validateFields().then((v) => cancel.mutate(v.reason), () => undefined)}>
        <p>{t.help}</p>
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item name="reason" label={t.reason} rules={[{ required: true, whitespace: true, message: t.required }]}>
            <Input.TextArea rows={3} maxLength={MAX_REASON} showCount />
          </Form.Item>
        </Form>
        {cancel.isError && <Alert type="error" showIcon message={cancel.error.message} />}
      </Modal>
    </>
  );
}
