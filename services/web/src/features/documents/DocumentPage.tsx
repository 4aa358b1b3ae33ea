import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Col, Descriptions, List, Result, Row, Skeleton, Space, Tag, Timeline, Typography } from "antd";
import type { CSSProperties } from "react";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError, unwrap, type Document, type HistoryEntry } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import { formatDate, formatDateTime } from "../../components/dates";
import { common } from "../../components/messages";
import { withoutRepeatedOrganisation } from "../../components/certificate";
import { SignatureSigners, SignatureTag } from "../incoming/SignatureTag";
import { work } from "../work/messages";
import { Processing } from "../work/Processing";
import { Deliveries } from "../outgoing/Deliveries";
import { out } from "../outgoing/messages";
import { OutgoingCase, outgoingStatus, useOutgoingCase } from "../outgoing/OutgoingCase";
import { ReplyLinks } from "../outgoing/Replies";
import { FileViewer, isPdf } from "../viewer/FileViewer";
import { historyNote, mergeHistory } from "./history";
import { viewer } from "../viewer/messages";
import { ArrivalActions } from "./ArrivalActions";
import { CancelAction, CANCELLABLE } from "./CancelAction";
import { RevocationActions } from "./RevocationActions";
import { messages } from "./messages";
import { useActorName } from "../../components/actors";
import { bookNumber } from "../../components/numbers";
import { CANCELLERS } from "../../components/roles";

function Files({ doc }: { doc: Document }) {
  const api = useApi();
  const pdfs = doc.files.filter((f) => isPdf(f));
  const [shown, setShown] = useState<string>("");
  const current = pdfs.find((f) => f.object_id === shown) ?? pdfs.find((f) => f.role === "main") ?? pdfs[0];
  const download = async (objectId: string, name: string) => {
    const reply = await api.GET("/api/v1/files/{object_id}/content", {
      params: { path: { object_id: objectId } },
      parseAs: "blob",
    });
    if (!reply.data) return;
    const url = URL.createObjectURL(reply.data as Blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <>
      <List
        dataSource={doc.files}
        locale={{ emptyText: <span style={{ color: "#595959" }}>{messages.noFiles}</span> }}
        renderItem={(file) => (
          <List.Item
            actions={[
              ...(isPdf(file) ? [
                <Button key="view" type={file === current ? "primary" : "default"}
                  aria-pressed={file === current} onClick={() => setShown(file.object_id)}
                  aria-label={`${viewer.view} ${file.file_name}`}>
                  {viewer.view}
                </Button>] : []),
              <Button key="download" onClick={() => void download(file.object_id, file.file_name)}
                aria-label={`${messages.download} ${file.file_name}`}>
                {messages.download}
              </Button>,
            ]}
          >
            <List.Item.Meta title={file.file_name} description={messages.fileRole[file.role] ?? file.role} />
          </List.Item>
        )}
      />
      {current && <FileViewer key={current.object_id} objectId={current.object_id} name={current.file_name} />}
    </>
  );
}

/**
 * A history entry's name; the workflow's steps (action "workflow") by the step they record (trình, giao xử lý…); an
 * action this app does not know yet is "Thay đổi khác", never its code.
 */
function historyLabel(entry: HistoryEntry): string {
  if (entry.action === "workflow") {
    const step = String((entry.changes as Record<string, unknown> | undefined)?.step ?? "");
    return work.step[step] ?? out.step[step] ?? messages.historyActions.workflow ?? entry.action;
  }
  return messages.historyActions[entry.action] ?? messages.otherAction;
}

function History({ id }: { id: string }) {
  const api = useApi();
  const actorName = useActorName();
  const history = useQuery({
    queryKey: ["history", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/documents/{document_id}/history", { params: { path: { document_id: id } } })),
  });
  if (history.isLoading) return <Skeleton active />;
  if (history.isError) return <Alert type="error" message={common.error} description={history.error.message} />;
  if (!history.data?.length) return <Typography.Text>{messages.noHistory}</Typography.Text>;
  const sealed = history.data.some((entry) => entry.action === "issued");
  return (
    <Timeline
      items={mergeHistory(history.data).map((entry) => ({
        children: (
          <>
            <Typography.Text strong>{historyLabel(entry)}</Typography.Text>
            {" — "}
            {formatDateTime(entry.at)} · {actorName(entry.actor)}
            {!!historyNote(entry, sealed) && <div>{historyNote(entry, sealed)}</div>}
          </>
        ),
      }))}
    />
  );
}

/**
 * The notice on a cancelled document (hủy văn bản): who cancelled it and when (its history's "cancelled" entry, the
 * same query as the history below), why (the document's reason), and that its processing stopped — a reviewer whose
 * task was withdrawn opens its link and reads this, not "not found".
 */
function CancelledNotice({ doc }: { doc: Document }) {
  const api = useApi();
  const actorName = useActorName();
  const history = useQuery({
    queryKey: ["history", doc.id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/documents/{document_id}/history", { params: { path: { document_id: doc.id } } })),
  });
  const t = messages.cancel;
  const entry = history.data?.filter((h) => h.action === "cancelled").at(-1);
  return (
    <Alert type="warning" showIcon data-testid="cancelled-notice" message={<strong>{t.notice}</strong>}
      description={
        <>
          {entry && <div>{t.by(actorName(entry.actor), formatDateTime(entry.at))}</div>}
          {!!doc.reason && <div>{t.why(doc.reason)}</div>}
          <div>{t.stopped}</div>
        </>
      } />
  );
}

/**
 * Metadata wraps between words, never inside one: Ant Design's cells say ``word-break: break-word``, which lets a
 * table column shrink to one letter's width and splits "Ủy ban" into "Ủ / y / b…"; ``overflow-wrap: break-word``
 * alone breaks only a string longer than the whole cell (an id, a file name with no spaces).
 */
export const WORD_WRAP: CSSProperties = { wordBreak: "normal", overflowWrap: "break-word" };
/** The metadata's labels keep a readable width (at 1440 px, beside the PDF, the table gave them a sliver and broke
 * "Ký hiệu đơn vị soạn thảo" over four lines): the values take the rest. */
export const LABEL_STYLE: CSSProperties = { ...WORD_WRAP, width: 168, minWidth: 128 };

/** A document's page: its metadata, signature report, files and history; the clerk's gestures on an arrival. */
export function DocumentPage() {
  const { id = "" } = useParams();
  const api = useApi();
  const { person } = useAuth();
  const query = useQuery({
    queryKey: ["document", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/documents/{document_id}", { params: { path: { document_id: id } } })),
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
  const types = useQuery({
    queryKey: ["document-types"],
    queryFn: async () => unwrap(await api.GET("/api/v1/document-types")),
    staleTime: 3_600_000,
  });
  // an outgoing document's badge follows its circuit (the case OutgoingCase shows, the same query)
  const outgoingCase = useOutgoingCase(id, query.data?.direction === "outgoing");
  if (query.isLoading) return <Skeleton active />;
  if (query.isError || !query.data) {
    const missing = query.error instanceof ApiError && query.error.status === 404;
    return (
      <Result status={missing ? "404" : "error"} title={missing ? messages.notFound : common.error}
        subTitle={missing ? undefined : query.error?.message}
        extra={<Link to="/">{common.menu.home}</Link>} />
    );
  }
  const doc = query.data;
  const typeName = types.data?.find((t) => t.code === doc.type_code)?.name ?? doc.type_code;
  const clerkCanAct = doc.direction === "incoming" && doc.status === "arrived" && !!person?.roles.includes("clerk");
  const outgoing = doc.direction === "outgoing";
  const status = outgoing ? outgoingStatus(doc, outgoingCase.data) : common.status[doc.status] ?? doc.status;
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      {outgoing ? <Link to="/van-ban-di">← {out.form.back}</Link> : <Link to="/van-ban-den">← {messages.back}</Link>}
      <Typography.Title level={1} style={{ fontSize: 22, marginBottom: 0 }}>
        {doc.number_symbol ? `${doc.number_symbol} — ` : ""}
        {doc.abstract}
      </Typography.Title>
      <Space wrap>
        <Tag color="#0958d9" data-testid="document-status">{status}</Tag>
        {doc.urgency !== "normal" && <Tag color="#ad2102">{common.urgency[doc.urgency]}</Tag>}
      </Space>
      <ReplyLinks doc={doc} />
      {doc.status === "cancelled" && <CancelledNotice doc={doc} />}
      {clerkCanAct && <ArrivalActions doc={doc} />}
      {outgoing && CANCELLABLE.includes(doc.status) &&
        !!person?.roles.some((r) => CANCELLERS.includes(r)) && <Space><CancelAction doc={doc} /></Space>}
      {doc.direction === "incoming" && doc.revocation === "requested" && !!person?.roles.includes("clerk") &&
        <RevocationActions doc={doc} />}
      {/* from 1200 px (xl) the PDF sits beside the metadata; narrower screens keep one column, metadata first */}
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12} data-testid="document-details">
          <Space direction="vertical" size="middle" style={{ width: "100%" }}>
            <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{messages.sections.metadata}</h2>}>
              <Descriptions column={{ xs: 1, sm: 1, md: 2, xl: 1, xxl: 2 }} size="small" bordered labelStyle={LABEL_STYLE}
                contentStyle={WORD_WRAP}>
                <Descriptions.Item label={messages.fields.numberSymbol}>{doc.number_symbol}</Descriptions.Item>
                <Descriptions.Item label={messages.fields.documentDate}>{formatDate(doc.document_date)}</Descriptions.Item>
                <Descriptions.Item label={messages.fields.issuer}>{doc.issuing_agency_name}</Descriptions.Item>
                <Descriptions.Item label={messages.fields.type}>{typeName}</Descriptions.Item>
                <Descriptions.Item label={messages.fields.abstract} span="filled">{doc.abstract}</Descriptions.Item>
                <Descriptions.Item label={messages.fields.urgency}>{common.urgency[doc.urgency] ?? doc.urgency}</Descriptions.Item>
                <Descriptions.Item label={messages.fields.status}>{status}</Descriptions.Item>
                {doc.direction === "incoming" && (
                  <>
                    <Descriptions.Item label={messages.fields.arrivedAt}>{formatDateTime(doc.arrived_at)}</Descriptions.Item>
                    <Descriptions.Item label={messages.fields.arrivalNumber}>
                      {/* an arrival waiting for vào sổ says so (the row was blank: trial 16) */}
                      <span data-testid="arrival-number">{doc.number > 0 ? bookNumber(doc.number)
                        : doc.status === "arrived" ? messages.notRegisteredYet : ""}</span>
                    </Descriptions.Item>
                    <Descriptions.Item label={messages.fields.signature} span="filled">
                      <SignatureTag check={doc.signature_check ?? ""} />
                      {doc.signature_note && <Typography.Text>{withoutRepeatedOrganisation(doc.signature_note)}</Typography.Text>}
                      <SignatureSigners signers={doc.signature_signers} />
                    </Descriptions.Item>
                    {!!doc.exchange_form && (
                      <Descriptions.Item label={messages.fields.exchangeForm}>
                        {messages.exchangeForm[doc.exchange_form] ?? doc.exchange_form}
                      </Descriptions.Item>
                    )}
                  </>
                )}
                {outgoing && (
                  <>
                    <Descriptions.Item label={out.form.signer}>
                      {[doc.signer.competence, doc.signer.title, doc.signer.name].filter(Boolean).join(" ")}
                    </Descriptions.Item>
                    <Descriptions.Item label={out.form.recipients} span="filled">
                      {doc.recipients.map((r) => r.name || r.agency_code).join("; ")}
                    </Descriptions.Item>
                  </>
                )}
                {!!doc.due_date && <Descriptions.Item label={messages.fields.dueDate}>{formatDate(doc.due_date)}</Descriptions.Item>}
                {!!doc.reason && <Descriptions.Item label={messages.fields.reason} span="filled">{doc.reason}</Descriptions.Item>}
              </Descriptions>
            </Card>
          </Space>
        </Col>
        <Col xs={24} xl={12} data-testid="document-files">
          <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{messages.sections.files}</h2>}>
            <Files doc={doc} />
          </Card>
        </Col>
      </Row>
      {/* the processing, the outgoing circuit and the deliveries (tables, actions) take the page's whole width below
          the metadata and the PDF: beside the PDF, half of a 1440 px screen, they were cramped */}
      <div data-testid="document-work">
        <Space direction="vertical" size="middle" style={{ width: "100%" }}>
          <Processing doc={doc} />
          {outgoing && <OutgoingCase doc={doc} />}
          {outgoing && (doc.status === "issued" || doc.status === "revoked") && (
            <Deliveries documentId={doc.id} issued={doc.status === "issued"}
              canRevoke={doc.status === "issued" && !!person?.roles.includes("clerk")} />)}
        </Space>
      </div>
      <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{messages.sections.history}</h2>}>
        <History id={doc.id} />
      </Card>
    </Space>
  );
}
