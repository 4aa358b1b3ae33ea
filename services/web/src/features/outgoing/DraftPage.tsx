import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Result, Skeleton, Space, Typography } from "antd";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { ApiError, unwrap, type Document } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { common } from "../../components/messages";
import { formatDateTime } from "../../components/dates";
import { DraftForm, type DraftBody } from "./DraftForm";
import { out } from "./messages";
import { useReplyStart } from "./Replies";
import { useUploader } from "./upload";
import { useSingleFlight } from "../../components/singleFlight";
import { caseOf } from "../work/caseOf";

/**
 * Soạn dự thảo (``/van-ban-di/soan``) or sửa dự thảo (``/van-ban-di/:id/sua``): saves the draft (POST or PUT
 * /api/v1/documents), then, when asked, starts its circuit (POST /api/v1/workflow/outgoing) and opens its page.
 * ``?tra-loi=<arrival id>``: soạn văn bản trả lời, the new draft answering that arrival (from its lead's task).
 */
export function DraftPage() {
  const { id } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const uploader = useUploader();
  const [search] = useSearchParams();
  const replyTo = id ? "" : (search.get("tra-loi") ?? "").trim();
  const reply = useReplyStart(replyTo);
  const types = useQuery({
    queryKey: ["document-types"],
    queryFn: async () => unwrap(await api.GET("/api/v1/document-types")),
    staleTime: 3_600_000,
  });
  const existing = useQuery({
    queryKey: ["document", id],
    queryFn: async () => unwrap(await api.GET("/api/v1/documents/{document_id}",
      { params: { path: { document_id: id ?? "" } } })),
    enabled: !!id,
  });
  // a draft in its circuit: changed only while returned to its drafter (the reviewer's comments shown above the form)
  const circuit = useQuery({
    queryKey: ["outgoing-case", id],
    queryFn: () => caseOf(api, id ?? ""),
    enabled: !!id,
  });
  const save = useMutation({
    mutationFn: async ({ body, start, comment }: { body: DraftBody; start: boolean; comment: string }) => {
      let doc: Document;
      if (id && existing.data) {
        // an update names no agency (the draft stays its agency's): the gateway refuses fields it does not take
        const update: Omit<DraftBody, "agency_code"> & { agency_code?: string } = { ...body };
        delete update.agency_code;
        doc = unwrap(await api.PUT("/api/v1/documents/{document_id}", { params: { path: { document_id: id } },
          body: { ...update, expected_version: existing.data.version } }));
      } else {
        doc = unwrap(await api.POST("/api/v1/documents", { body }));
      }
      queries.setQueryData(["document", doc.id], doc);
      if (start) {
        // a draft returned to its drafter already has its circuit: it goes back to review (gửi lại), not a new one
        const running = id ? await caseOf(api, doc.id) : null;
        const started = running
          ? unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/resend",
            { params: { path: { case_id: running.id } }, body: { version: running.version, comment } }))
          : unwrap(await api.POST("/api/v1/workflow/outgoing", { body: { document_id: doc.id, comment, unit_code: "" } }));
        queries.setQueryData(["outgoing-case", doc.id], started);
      }
      return { doc, start };
    },
    onSuccess: async ({ doc, start }) => {
      await queries.invalidateQueries({ queryKey: ["documents", "outgoing"] });
      await queries.invalidateQueries({ queryKey: ["inbox"] });
      // a reply: the arrival's list of replies and its lead's choice in Hoàn thành show it at once
      if (doc.answers_document_id) await queries.invalidateQueries({ queryKey: ["replies", doc.answers_document_id] });
      // a returned draft's change moves its case on (the abstract its tasks show): gửi lại reads the new version
      if (!start) await queries.invalidateQueries({ queryKey: ["outgoing-case", doc.id] });
      void message.success(start ? out.form.started : out.form.saved);
      navigate(`/van-ban/${doc.id}`, { replace: !!id });
    },
  });
  const submit = useSingleFlight(save);
  if (types.isLoading || existing.isLoading || (!!id && circuit.isLoading) || reply.isLoading) return <Skeleton active />;
  if (types.isError) return <Alert type="error" showIcon message={common.error} description={types.error.message} />;
  if (id && (existing.isError || !existing.data)) {
    const missing = existing.error instanceof ApiError && existing.error.status === 404;
    return <Result status={missing ? "404" : "error"} title={common.error} subTitle={existing.error?.message}
      extra={<Link to="/van-ban-di">{out.form.back}</Link>} />;
  }
  if (replyTo && reply.isError) {
    return <Result status="error" title={out.reply.loadFailed} subTitle={reply.error.message}
      extra={<Link to="/van-ban-di">{out.form.back}</Link>} />;
  }
  const doc = existing.data;
  if (doc && doc.status !== "draft") {
    return <Result status="warning" title={out.form.notEditable} extra={<Link to={`/van-ban/${doc.id}`}>{common.back}</Link>} />;
  }
  const running = circuit.data;
  // …or approved and not yet submitted (trình ký may have refused its file): changed, it goes back to review
  if (doc && running && running.state !== "returned" && running.state !== "approved") {
    return <Result status="warning" title={out.form.inCircuit(out.caseState[running.state] ?? running.state)}
      extra={<Link to={`/van-ban/${doc.id}`}>{common.back}</Link>} />;
  }
  const returnedBy = running ? [...running.steps].reverse().find(
    (s) => s.action === "return_draft" || s.action === "return_unsigned") : undefined;
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Link to={doc ? `/van-ban/${doc.id}` : "/van-ban-di"}>← {doc ? common.back : out.form.back}</Link>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {doc ? out.form.editTitle : reply.data ? out.reply.compose : out.form.newTitle}
      </Typography.Title>
      {returnedBy && (
        <Alert type="warning" showIcon data-testid="returned-reason"
          message={out.form.returnedBy(returnedBy.actor_name || returnedBy.actor, formatDateTime(returnedBy.at))}
          description={<Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{returnedBy.comment}</Typography.Paragraph>} />
      )}
      <DraftForm doc={doc} reply={reply.data} types={types.data ?? []} uploader={uploader} pending={save.isPending}
        error={save.error?.message} onSave={(body, start, comment) => submit({ body, start, comment })} />
    </Space>
  );
}
