import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Form, Input, Modal, Space } from "antd";
import { useState } from "react";
import { unwrap, type Document } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { messages } from "./messages";

const MAX_REASON = 1000;

/**
 * The clerk's answer to the sender's thu hồi (or cập nhật) of an arrival (issue 12 item 4; regulations §1, status
 * 13/15/16): đồng ý (POST …/revocation/accept: status 15 goes back, a revoked arrival's content is removed and its
 * trail kept, its open processing cancelled) or từ chối with a reason (POST …/revocation/refuse: status 16). Shown only
 * while the revocation is requested; the registry refuses anything else (an arrival already deposited in the archive
 * is answered 16 by the registry itself).
 */
export function RevocationActions({ doc }: { doc: Document }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [dialog, setDialog] = useState<"" | "accept" | "refuse">("");
  const [form] = Form.useForm<{ reason: string }>();
  const t = messages.revocation;
  const update = doc.revocation_kind === "update";
  const done = async (updated: Document, text: string) => {
    queries.setQueryData(["document", doc.id], updated);
    await queries.invalidateQueries({ queryKey: ["documents"] });
    await queries.invalidateQueries({ queryKey: ["history", doc.id] });
    setDialog("");
    void message.success(text);
  };
  const accept = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/v1/documents/{document_id}/revocation/accept",
      { params: { path: { document_id: doc.id } } })),
    onSuccess: (updated) => done(updated, update ? t.updateAccepted : t.accepted),
  });
  const refuse = useMutation({
    mutationFn: async (reason: string) => unwrap(await api.POST("/api/v1/documents/{document_id}/revocation/refuse",
      { params: { path: { document_id: doc.id } }, body: { reason: reason.normalize("NFC") } })),
    onSuccess: (updated) => done(updated, t.refused),
  });
  return (
    <Alert type="warning" showIcon message={update ? t.updateRequested : t.requested}
      description={
        <Space direction="vertical" style={{ width: "100%" }}>
          {doc.revocation_reason && <span>{t.senderReason}: {doc.revocation_reason}</span>}
          <Space wrap>
            <Button type="primary" danger={!update} onClick={() => setDialog("accept")}>{t.accept}</Button>
            <Button onClick={() => setDialog("refuse")}>{t.refuse}</Button>
          </Space>
          <Modal open={dialog === "accept"} title={update ? t.acceptUpdateTitle : t.acceptTitle} okText={t.accept}
            cancelText="Hủy" okButtonProps={{ danger: !update }} confirmLoading={accept.isPending}
            onCancel={() => setDialog("")} onOk={() => accept.mutate()} destroyOnHidden>
            <p>{update ? t.acceptUpdateHelp : t.acceptHelp}</p>
            {accept.isError && <Alert type="error" showIcon message={accept.error.message} />}
          </Modal>
          <Modal open={dialog === "refuse"} title={t.refuseTitle} okText={t.refuse} cancelText="Hủy"
            confirmLoading={refuse.isPending} onCancel={() => setDialog("")} destroyOnHidden
            onOk={() => form.validateFields().then((v) => refuse.mutate(v.reason), () => undefined)}>
            <Form form={form} layout="vertical" preserve={false}>
              <Form.Item name="reason" label={t.refuseReason} extra={t.refuseReasonHelp}
                rules={[{ required: true, whitespace: true, message: messages.actions.reasonRequired }]}>
                <Input.TextArea rows={3} maxLength={MAX_REASON} showCount />
              </Form.Item>
              {refuse.isError && <Alert type="error" showIcon message={refuse.error.message} />}
            </Form>
          </Modal>
        </Space>
      } />
  );
}
