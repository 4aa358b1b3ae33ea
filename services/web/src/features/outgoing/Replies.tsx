import { useQuery } from "@tanstack/react-query";
import { Space, Typography } from "antd";
import { Link } from "react-router-dom";
import { ApiError, unwrap, type Document } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { common } from "../../components/messages";
import { out } from "./messages";
import type { Recipient } from "./RecipientPicker";

const t = out.reply;
const MAX_ABSTRACT = 500;
/** How an arrival's trích yếu begins: "V/v …", "Về việc …" (left out after "về" in the reply's). */
const ABOUT = /^\s*(?:v\/v|về việc)[\s:.-]*/iu;

/**
 * The trích yếu a reply to ``arrival`` starts with (the officer edits it): "V/v trả lời văn bản số 15/SNV-TCBC của Sở
 * Nội vụ tỉnh Vĩnh Long về rà soát biên chế năm 2027", at most 500 characters (the registry's limit), NFC.
 */
export function replyAbstract(arrival: Pick<Document, "number_symbol" | "issuing_agency_name" | "abstract">): string {
  const about = arrival.abstract.normalize("NFC").replace(ABOUT, "").trim();
  return t.abstract(arrival.number_symbol, arrival.issuing_agency_name, about).normalize("NFC").slice(0, MAX_ABSTRACT);
}

/** What the draft form starts from when it answers an arrival. */
export interface ReplyStart {
  arrival: Document;
  abstract: string;
  /** The arrival's sender when the directory has it (by its code); else none, and ``unknownSender`` names it. */
  recipients: Recipient[];
  unknownSender: string;
}

/**
 * Soạn văn bản trả lời: the arrival ``arrivalId`` (the person must see it: the registry refuses a draft answering one
 * they do not) and its sender in the directory (``GET /api/v1/agencies/{code}``: a 404 leaves the recipient to
 * choose). Not asked when ``arrivalId`` is empty.
 */
export function useReplyStart(arrivalId: string) {
  const api = useApi();
  return useQuery({
    queryKey: ["reply-start", arrivalId],
    enabled: !!arrivalId,
    queryFn: async (): Promise<ReplyStart> => {
      const arrival = unwrap(await api.GET("/api/v1/documents/{document_id}",
        { params: { path: { document_id: arrivalId } } }));
      const code = arrival.issuing_agency_code;
      let recipients: Recipient[] = [];
      if (code) {
        const found = await api.GET("/api/v1/agencies/{code}", { params: { path: { code } } });
        if (found.data) recipients = [{ agency_code: found.data.code, name: found.data.name }];
      }
      return { arrival, abstract: replyAbstract(arrival), recipients,
        unknownSender: recipients.length ? "" : arrival.issuing_agency_name };
    },
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
}

/** A document's name in a link: its số, ký hiệu and trích yếu, or "Dự thảo — trích yếu" before numbering. */
export function documentLabel(doc: Pick<Document, "number_symbol" | "abstract">): string {
  return `${doc.number_symbol || t.draftLabel} — ${doc.abstract}`;
}

/** A link to the reply ``id`` (văn bản trả lời), named when the person may read it (else "Văn bản trả lời"). */
export function ReplyDocumentLink({ id }: { id: string }) {
  const api = useApi();
  const reply = useQuery({
    queryKey: ["document", id],
    queryFn: async () => unwrap(await api.GET("/api/v1/documents/{document_id}",
      { params: { path: { document_id: id } } })),
    retry: false,
  });
  return <Link to={`/van-ban/${id}`} data-testid="reply-link">{reply.data ? documentLabel(reply.data) : t.replyDocument}</Link>;
}

/**
 * The replies of a document, on its page. A document that answers another names it ("Trả lời văn bản số …", a link):
 * a reply drafted here, or an arrival its sender sent as a reply to this agency's document (interchange links it by
 * the package's ``ResponseFor``). An arrival lists the replies drafted from it that the person sees, an issued
 * outgoing document the replies that arrived to it (``GET /api/v1/documents?answers_document_id=``).
 */
export function ReplyLinks({ doc }: { doc: Document }) {
  const api = useApi();
  const answers = doc.answers_document_id;
  const answered = useQuery({
    queryKey: ["document", answers],
    queryFn: async () => unwrap(await api.GET("/api/v1/documents/{document_id}",
      { params: { path: { document_id: answers } } })),
    enabled: !!answers,
    retry: false,
  });
  const replies = useQuery({
    queryKey: ["replies", doc.id],
    queryFn: async () => unwrap(await api.GET("/api/v1/documents", { params: { query: {
      direction: doc.direction === "incoming" ? "outgoing" : "incoming", answers_document_id: doc.id,
      page_size: 50 } } })),
    enabled: doc.direction === "incoming" || doc.status === "issued",
  });
  const a = answered.data;
  const items = (replies.data?.items ?? []).filter((r) => r.id !== doc.id);
  if (!answers && !items.length) return null;
  return (
    <Space direction="vertical" size={2}>
      {answers && (
        <Typography.Paragraph data-testid="answers" style={{ margin: 0 }}>
          <Link to={`/van-ban/${answers}`}>
            {a ? t.answered(a.number_symbol, a.issuing_agency_name, a.abstract)
              : answered.isError ? t.answeredHidden : common.loading}
          </Link>
        </Typography.Paragraph>
      )}
      {items.length > 0 && (
        <Space direction="vertical" size={2} data-testid="replies">
          <Typography.Text strong>{t.replies}</Typography.Text>
          {items.map((r) => <Link key={r.id} to={`/van-ban/${r.id}`}>{documentLabel(r)}</Link>)}
        </Space>
      )}
    </Space>
  );
}
