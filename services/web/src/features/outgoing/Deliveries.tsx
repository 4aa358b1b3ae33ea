import { useQuery } from "@tanstack/react-query";
import { Alert, Card, List, Skeleton, Space, Tag, Timeline, Typography } from "antd";
import { unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useApi } from "../../api/ApiProvider";
import { formatDateTime } from "../../components/dates";
import { out } from "./messages";

type Delivery = components["schemas"]["DeliveryOut"];

const STATE_COLOR: Record<string, string> = { sent: "#237804", failed: "#cf1322", pending: "#ad6800", cancelled: "#595959" };

/** One recipient's line: the sending's state and route, then what the recipient reported (01 đã đến … 06). */
export function DeliveryItem({ delivery }: { delivery: Delivery }) {
  const t = out.deliveries;
  return (
    <List.Item>
      <Space direction="vertical" size={4} style={{ width: "100%" }}>
        <Space wrap>
          <Typography.Text strong>{delivery.recipient_name || delivery.recipient_code}</Typography.Text>
          <Tag color={STATE_COLOR[delivery.state]}>{t.state[delivery.state] ?? delivery.state}</Tag>
          <Typography.Text type="secondary">{t.route[delivery.route] ?? delivery.route}</Typography.Text>
          {delivery.sent_at && <Typography.Text type="secondary">{t.sentAt} {formatDateTime(delivery.sent_at)}</Typography.Text>}
        </Space>
        {delivery.last_error && <Typography.Text type="danger">{delivery.last_error}</Typography.Text>}
        {delivery.statuses.length ? (
          <Timeline style={{ marginTop: 8, marginBottom: 0 }} items={delivery.statuses.map((s) => ({
            children: (
              <>
                <Typography.Text strong>{s.name || s.code}</Typography.Text>
                {" — "}{formatDateTime(s.at)}
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

/** Tình hình gửi, nhận of an issued document: each recipient's delivery and the statuses it reported. */
export function Deliveries({ documentId }: { documentId: string }) {
  const api = useApi();
  const query = useQuery({
    queryKey: ["deliveries", documentId],
    queryFn: async () => unwrap(await api.GET("/api/v1/documents/{document_id}/deliveries",
      { params: { path: { document_id: documentId } } })),
    refetchInterval: 15_000,
  });
  return (
    <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{out.deliveries.title}</h2>}>
      {query.isLoading ? <Skeleton active /> : query.isError ? (
        <Alert type="error" showIcon message={query.error.message} />
      ) : (
        <div data-testid="deliveries">
          <List dataSource={query.data ?? []} rowKey="id"
            locale={{ emptyText: <span style={{ color: "#595959" }}>{out.deliveries.none}</span> }}
            renderItem={(d) => <DeliveryItem delivery={d} />} />
        </div>
      )}
    </Card>
  );
}
