import { useQuery } from "@tanstack/react-query";
import { Button, Form, Select } from "antd";
import { useEffect } from "react";
import { useNavigate } from "react-router-dom";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { out } from "../outgoing/messages";
import { documentLabel } from "../outgoing/Replies";
import { READABLE_OPTIONS } from "../../components/FieldSelect";

const t = out.reply;

/** Soạn văn bản trả lời: the lead of an arrival opens the draft form answering it (``/van-ban-di/soan?tra-loi=``). */
export function ComposeReplyButton({ documentId }: { documentId: string }) {
  const navigate = useNavigate();
  return (
    <Button onClick={() => navigate(`/van-ban-di/soan?tra-loi=${encodeURIComponent(documentId)}`)}>
      {t.compose}
    </Button>
  );
}

/** The caller's own outgoing documents that answer the arrival ``documentId``, newest first (the registry's list). */
function useMyReplies(documentId: string) {
  const api = useApi();
  return useQuery({
    queryKey: ["replies", documentId, "mine"],
    queryFn: async () => unwrap(await api.GET("/api/v1/documents", { params: { query: {
      direction: "outgoing", answers_document_id: documentId, mine: true, page_size: 50 } } })).items,
  });
}

/**
 * Hoàn thành's Văn bản trả lời: one of the person's own drafts or issued documents answering the arrival (the
 * workflow refuses any other), the newest — the one just drafted with "Soạn văn bản trả lời" — chosen to start with;
 * "Không kèm văn bản trả lời" leaves it out. Inside the complete dialog's form (field ``reply_document_id``).
 */
export function ReplyField({ documentId }: { documentId: string }) {
  const form = Form.useFormInstance<{ reply_document_id?: string }>();
  const replies = useMyReplies(documentId);
  const items = replies.data ?? [];
  const first = items[0]?.id ?? "";
  useEffect(() => {
    if (first && form.getFieldValue("reply_document_id") === undefined) form.setFieldValue("reply_document_id", first);
  }, [first, form]);
  return (
    <Form.Item name="reply_document_id" label={t.field} extra={items.length || replies.isLoading ? t.fieldHelp : t.none}>
      <Select {...READABLE_OPTIONS} loading={replies.isLoading} data-testid="reply-select"
        options={[...items.map((d) => ({ value: d.id, label: documentLabel(d) })), { value: "", label: t.noReply }]} />
    </Form.Item>
  );
}
