import { useQuery } from "@tanstack/react-query";
import { Alert, List } from "antd";
import { Link } from "react-router-dom";
import { unwrap, type Document } from "../../api/client";
import { useApi } from "../../api/ApiProvider";

/** The most requests one page counts; more shows as "50+". */
const PAGE = 50;

const words = {
  title: (count: string) => `${count} yêu cầu thu hồi, cập nhật văn bản đến đang chờ văn thư xử lý`,
  help: "Cơ quan gửi đề nghị thu hồi hoặc cập nhật: mở văn bản để đồng ý hoặc từ chối (có lý do).",
  kind: { revoke: "Thu hồi", update: "Cập nhật" } as Record<string, string>,
  /** "Thu hồi: 05/UBND-VP — UBND phường Long Châu" (the sender's số, ký hiệu: what the request names). */
  item: (d: Document) => `${words.kind[d.revocation_kind] ?? words.kind.revoke}: ${d.number_symbol || d.abstract}`
    + (d.issuing_agency_name ? ` — ${d.issuing_agency_name}` : ""),
};

/**
 * The clerk's to-do of revocations (issue 14 review item 4; Decree 30/2020 Art. 18.4.b: the recipient cancels a
 * revoked e-document and tells the sender): the arrivals whose sender asked for them back or updated them (status 13,
 * or a revoke/update package) and wait for the clerk's answer, with their count, each linking to the document where
 * the clerk accepts or refuses. Nothing while none waits. The registry lists only the clerk's own agency's.
 */
export function RevocationsWaiting() {
  const api = useApi();
  const waiting = useQuery({
    // under "documents": accepting or refusing (RevocationActions) reads the lists again, this one too
    queryKey: ["documents", "revocations-waiting"],
    queryFn: async () => unwrap(await api.GET("/api/v1/documents", { params: { query: {
      direction: "incoming", revocation: "requested", page_size: PAGE } } })),
  });
  const items = (waiting.data?.items ?? []).filter((d) => d.revocation === "requested");
  if (!items.length) return null;
  const count = waiting.data?.next_page_token ? `${PAGE}+` : String(items.length);
  return (
    <Alert type="warning" showIcon data-testid="revocations-waiting" style={{ marginBottom: 12 }}
      message={words.title(count)}
      description={
        <>
          <div>{words.help}</div>
          <List size="small" dataSource={items} rowKey="id" renderItem={(d) => (
            <List.Item style={{ padding: "4px 0" }}>
              <Link to={`/van-ban/${d.id}`}>{words.item(d)}</Link>
            </List.Item>
          )} />
        </>
      } />
  );
}
