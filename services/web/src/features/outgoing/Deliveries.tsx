import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Form, Input, List, Modal, Skeleton, Space, Tag, Timeline, Typography } from "antd";
import { useState } from "react";
import { unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useApi } from "../../api/ApiProvider";
import { formatDateTime } from "../../components/dates";
import { out } from "./messages";

type Delivery = components["schemas"]["DeliveryOut"];

const REVOCATION_COLOR: Record<string, string> = { pending: "#874d00", accepted: "#237804", refused: "#a8071a" };
const MAX_REASON = 500;
const STATE_COLOR: Record<string, string> = { sent: "#237804", failed: "#cf1322", pending: "#ad6800", cancelled: "#595959" };

/** Gửi lại (the sender's clerk): a failed delivery is tried again until it goes or fails again. */
function ResendButton({ documentId, deliveryId }: { documentId: string; deliveryId: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const t = out.deliveries;
  const resend = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/v1/deliveries/{delivery_id}/resend",
      { params: { path: { delivery_id: deliveryId } } })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["deliveries", documentId] });
      void message.success(t.resent);
    },
    onError: (error) => void message.error(error.message),
  });
  return <Button size="small" loading={resend.isPending} onClick={() => resend.mutate()}>{t.resend}</Button>;
}

/**
 * One recipient's line: the sending's state and route, any take-back (the sender's reason while it waits; the
 * recipient's once refused, status 16), then what the recipient reported (01 đã đến … 16). ``resendFor``: the
 * document's id when the reader may send a failed delivery again (the sender's clerk; the server judges again).
 */
export function DeliveryItem({ delivery, resendFor }: { delivery: Delivery; resendFor?: string }) {
  const t = out.deliveries;
  return (
    <List.Item>
      <Space direction="vertical" size={4} style={{ width: "100%" }}>
        <Space wrap>
          <Typography.Text strong>{delivery.recipient_name || delivery.recipient_code}</Typography.Text>
          <Tag color={STATE_COLOR[delivery.state]}>{t.state[delivery.state] ?? delivery.state}</Tag>
          <Typography.Text type="secondary">{t.route[delivery.route] ?? delivery.route}</Typography.Text>
          {delivery.sent_at && <Typography.Text type="secondary">{t.sentAt} {formatDateTime(delivery.sent_at)}</Typography.Text>}
          {delivery.revocation && <Tag color={REVOCATION_COLOR[delivery.revocation] ?? "#595959"}>
            {t.revocation[delivery.revocation] ?? delivery.revocation}</Tag>}
          {resendFor && delivery.state === "failed" && <ResendButton documentId={resendFor} deliveryId={delivery.id} />}
        </Space>
        {delivery.revocation_reason && <Typography.Text>
          {delivery.revocation === "refused" ? t.refusalReason : t.revokeReason}: {delivery.revocation_reason}
        </Typography.Text>}
        {delivery.last_error && <Typography.Text type="danger">{delivery.last_error}</Typography.Text>}
        {delivery.statuses.length ? (
          <Timeline style={{ marginTop: 8, marginBottom: 0 }} items={delivery.statuses.map((s) => ({
            children: (
              <>
                <Typography.Text strong>{s.name || s.code}</Typography.Text>
                {" — "}{formatDateTime(s.at)}
                {s.staff && <div><Typography.Text type="secondary">{t.staff}:</Typography.Text> {s.staff}</div>}
                {s.description && <div>{s.description}</div>}
              </>
            ),
          }))} />
        ) : (
          <Typography.Text>{t.noStatus}</Typography.Text>
        )}
      </Space>
    </List.Item>
  );
}

/** Thu hồi (the clerk): the reason goes to every recipient that received the document (status 13). */
function RevokeButton({ documentId }: { documentId: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();
  const t = out.deliveries;
  const revoke = useMutation({
    mutationFn: async (reason: string) => unwrap(await api.POST("/api/v1/documents/{document_id}/revoke",
      { params: { path: { document_id: documentId } }, body: { reason: reason.trim().normalize("NFC") } })),
    onSuccess: async (deliveries) => {
      queries.setQueryData(["deliveries", documentId], deliveries);
      await queries.invalidateQueries({ queryKey: ["document", documentId] });
      setOpen(false);
      void message.success(t.revoked);
    },
  });
  return (
    <>
      <Button danger onClick={() => setOpen(true)}>{t.revoke}</Button>
      <Modal open={open} title={t.revokeTitle} okText={t.revoke} cancelText={t.cancel} okButtonProps={{ danger: true }}
        confirmLoading={revoke.isPending} onCancel={() => setOpen(false)} destroyOnHidden
        onOk={() => void form.validateFields().then((v) => revoke.mutate(v.reason), () => undefined)}>
        <Typography.Paragraph>{t.revokeHelp}</Typography.Paragraph>
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item name="reason" label={t.revokeReason}
            rules={[{ required: true, whitespace: true, message: t.revokeRequired }]}>
            <Input.TextArea rows={3} maxLength={MAX_REASON} />
          </Form.Item>
          {revoke.isError && <Alert type="error" showIcon message={revoke.error.message} />}
        </Form>
      </Modal>
    </>
  );
}

/** How often the deliveries are read again while one is being sent (or none is listed yet, or one went in the last
 * minute without a word back yet: a recipient of this installation answers 01 within a second), and while a sent one
 * waits for its recipient's first word or a take-back waits for its answer. */
export const SENDING_REFRESH_MS = 3_000;
export const ANSWER_REFRESH_MS = 15_000;
export const JUST_SENT_MS = 60_000;

/**
 * When to read an issued document's deliveries again: every few seconds while interchange has not listed them yet
 * (right after phát hành), one is still being sent, or one sent in the last minute has no word from its recipient
 * yet (its 01 đã đến shows at once, not 15 s later); every 15 s while a sent one still has no word or a thu hồi waits
 * for an answer; never once all are final (sent and answered, failed — the clerk resends —, or cancelled), nor for a
 * document that is no longer issued with nothing pending. ``now``: epoch milliseconds (tests).
 */
export function deliveriesRefresh(issued: boolean, deliveries: Delivery[] | undefined,
  now: number = Date.now()): number | false {
  if (deliveries === undefined) return false;  // the first read (or its error) decides
  const justSent = (d: Delivery) => d.state === "sent" && !d.statuses.length && !!d.sent_at
    && now - Date.parse(d.sent_at) < JUST_SENT_MS;
  if (issued && (!deliveries.length || deliveries.some((d) => d.state === "pending" || justSent(d)))) {
    return SENDING_REFRESH_MS;
  }
  const waiting = deliveries.some((d) => d.revocation === "pending"
    || (issued && d.state === "sent" && !d.statuses.length));
  return waiting ? ANSWER_REFRESH_MS : false;
}

/**
 * Tình hình gửi, nhận of an issued document: each recipient's delivery and the statuses it reported, with any
 * take-back (thu hồi) and each recipient's answer, read again until all are final (:func:`deliveriesRefresh`).
 * ``issued``: the document is issued (not revoked). ``canRevoke``: the clerk may take it back (offered while no
 * revocation is pending or accepted and something was sent) and send a failed delivery again (Gửi lại); the
 * server judges both again.
 */
export function Deliveries({ documentId, issued = false, canRevoke = false }: {
  documentId: string; issued?: boolean; canRevoke?: boolean;
}) {
  const api = useApi();
  const query = useQuery({
    queryKey: ["deliveries", documentId],
    queryFn: async () => unwrap(await api.GET("/api/v1/documents/{document_id}/deliveries",
      { params: { path: { document_id: documentId } } })),
    refetchInterval: (q) => deliveriesRefresh(issued, q.state.data),
  });
  return (
    <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{out.deliveries.title}</h2>}
      extra={canRevoke && (query.data ?? []).some((d) => d.state === "sent")
        && !(query.data ?? []).some((d) => d.revocation === "pending" || d.revocation === "accepted")
        ? <RevokeButton documentId={documentId} /> : undefined}>
      {query.isLoading ? <Skeleton active /> : query.isError ? (
        <Alert type="error" showIcon message={query.error.message} />
      ) : (
        <div data-testid="deliveries">
          <List dataSource={query.data ?? []} rowKey="id"
            locale={{ emptyText: <span style={{ color: "#595959" }}>{out.deliveries.none}</span> }}
            renderItem={(d) => <DeliveryItem delivery={d} resendFor={canRevoke ? documentId : undefined} />} />
        </div>
      )}
    </Card>
  );
}
