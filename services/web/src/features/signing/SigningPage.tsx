import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Col, Descriptions, Progress, Row, Space, Steps, Typography, Upload } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { ApiError, unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import type { components } from "../../api/schema";
import { formatCertificateSubject } from "../../components/certificate";
import { formatDate, formatDateTime } from "../../components/dates";
import { useUploader, type Uploader } from "../outgoing/upload";
import { sign } from "./messages";
import { SignaturePlacement } from "./SignaturePlacement";
import { localTool, ToolError, type SigningTool } from "./tool";
import { useToolUrl } from "./toolConfig";

type Signed = components["schemas"]["SigningOut"];
type Phase = "idle" | "prepare" | "tool" | "complete" | "done";
const STEP: Record<Phase, number> = { idle: 0, prepare: 0, tool: 1, complete: 2, done: 3 };

/** The stored PDF, downloaded once, as an object URL for the frame (revoked when it changes). */
function usePdfUrl(objectId: string | undefined) {
  const api = useApi();
  const [url, setUrl] = useState("");
  useEffect(() => {
    if (!objectId) return undefined;
    let made = "";
    let live = true;
    void api.GET("/api/v1/files/{object_id}/content", { params: { path: { object_id: objectId } }, parseAs: "blob" })
      .then((reply) => {
        if (!live || !reply.data || typeof URL.createObjectURL !== "function") return;
        made = URL.createObjectURL(reply.data as Blob);
        setUrl(made);
      }, () => undefined);
    return () => { live = false; if (made) URL.revokeObjectURL(made); };
  }, [api, objectId]);
  return url;
}

function PdfChooser({ uploader, onChosen }: { uploader: Uploader; onChosen: (id: string, name: string) => void }) {
  const [percent, setPercent] = useState<number | null>(null);
  const [error, setError] = useState("");
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Upload.Dragger accept="application/pdf,.pdf" multiple={false} showUploadList={false}
        beforeUpload={(file) => {
          if (!/\.pdf$/i.test(file.name) && file.type !== "application/pdf") {
            setError(sign.onlyPdf);
            return Upload.LIST_IGNORE;
          }
          setError("");
          setPercent(0);
          uploader(file, setPercent).then((stored) => { setPercent(null); onChosen(stored.object_id, file.name); },
            (e: unknown) => { setPercent(null); setError(e instanceof Error ? e.message : String(e)); });
          return false;
        }}>
        <p style={{ margin: 8 }}>{sign.chooseFile}</p>
      </Upload.Dragger>
      {percent !== null && <Progress percent={percent} aria-label={sign.uploading} />}
      {error && <Alert type="error" showIcon message={error} />}
    </Space>
  );
}

/**
 * Ký số bằng USB token: the leader's (or head's) signing with a key the server does not hold, in two steps through
 * the gateway — POST /api/v1/signing/prepare (the signing service places the signature image at the document's
 * [[CHU_KY]] and returns what to sign), the local signing tool signs it with the USB token (./tool.ts, the PIN asked
 * by the tool), POST /api/v1/signing/complete (the service checks the value against the person's bound certificate,
 * embeds it, stores the signed PDF) — then the signed file, and where the signature landed (the box the service
 * reports) drawn on the page beside the signed PDF. The PDF comes from ``?tep=<object id>&ten=<name>`` or an upload.
 * ``tool`` and ``toolUrl`` replace the configured tool (tests).
 */
export function SigningPage({ tool: givenTool, toolUrl: givenUrl, uploader: givenUploader }: {
  tool?: SigningTool;
  toolUrl?: string;
  uploader?: Uploader;
}) {
  const api = useApi();
  const [params] = useSearchParams();
  const defaultUploader = useUploader();
  const uploader = givenUploader ?? defaultUploader;
  const toolUrl = useToolUrl(givenUrl);
  const tool = useMemo(() => givenTool ?? (toolUrl ? localTool(toolUrl) : undefined), [givenTool, toolUrl]);
  const [file, setFile] = useState<{ id: string; name: string } | null>(
    params.get("tep") ? { id: params.get("tep") ?? "", name: params.get("ten") ?? params.get("tep") ?? "" } : null);
  const [phase, setPhase] = useState<Phase>("idle");
  const [error, setError] = useState("");
  const [signed, setSigned] = useState<Signed | null>(null);
  const [toolState, setToolState] = useState("");
  const profile = useQuery({
    queryKey: ["signing-profile"],
    queryFn: async () => {
      const reply = await api.GET("/api/v1/signing/profile");
      if (reply.response.status === 404) return null;
      return unwrap(reply);
    },
    retry: false,
  });
  const pdfUrl = usePdfUrl(signed?.object_id);
  const check = async () => {
    if (!tool) return;
    try {
      const s = await tool.status();
      setToolState(s.ready ? sign.toolReady(s.name, s.version) : sign.toolNoToken);
    } catch (e) {
      setToolState(e instanceof Error ? e.message : String(e));
    }
  };
  const run = async () => {
    if (!file || !tool) return;
    setError("");
    setSigned(null);
    let step: Phase = "prepare";
    try {
      setPhase(step);
      const prepared = unwrap(await api.POST("/api/v1/signing/prepare",
        { body: { object_id: file.id, placeholder: "", document_id: "" } }));
      step = "tool";
      setPhase(step);
      const value = await tool.sign({ to_sign: prepared.to_sign, digest: prepared.digest,
        digest_algorithm: prepared.digest_algorithm, signature_algorithm: prepared.signature_algorithm,
        description: `VanThu — ${file.name}`.normalize("NFC") });
      step = "complete";
      setPhase(step);
      const done = unwrap(await api.POST("/api/v1/signing/complete",
        { body: { handle: prepared.handle, signature_value: value } }));
      setSigned(done);
      setPhase("done");
    } catch (e) {
      const text = e instanceof ApiError && e.status === 404 && step === "complete" ? sign.expired
        : e instanceof ToolError || e instanceof Error ? e.message : String(e);
      setError(text);
      setPhase("idle");
    }
  };
  const download = async () => {
    if (!signed) return;
    const reply = await api.GET("/api/v1/files/{object_id}/content",
      { params: { path: { object_id: signed.object_id } }, parseAs: "blob" });
    if (!reply.data) return;
    const url = URL.createObjectURL(reply.data as Blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = (file?.name ?? "van-ban.pdf").replace(/\.pdf$/i, "") + ".signed.pdf";
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const p = profile.data;
  const blocked = profile.isError ? (profile.error instanceof ApiError && profile.error.status === 404
    ? sign.noProfile : profile.error.message) : p && p.custody !== "remote" ? sign.serverKey : toolUrl === "" ? sign.noTool : "";
  const busy = phase === "prepare" || phase === "tool" || phase === "complete";
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>{sign.title}</Typography.Title>
      <Typography.Paragraph style={{ margin: 0 }}>{sign.intro}</Typography.Paragraph>
      {p && (
        <Descriptions size="small" bordered column={{ xs: 1, md: 2 }}>
          <Descriptions.Item label={sign.certificate}>{p.certificate_subject
            ? <span title={p.certificate_subject}>{formatCertificateSubject(p.certificate_subject)}</span> : "—"}
          </Descriptions.Item>
          <Descriptions.Item label={sign.validTo}>{formatDate(p.certificate_not_after) || "—"}</Descriptions.Item>
        </Descriptions>
      )}
      {blocked ? <Alert type="warning" showIcon message={blocked} /> : (
        <Card>
          <Space direction="vertical" size="middle" style={{ width: "100%" }}>
            <Space wrap>
              {toolUrl && <Typography.Text type="secondary">{sign.toolAt(toolUrl)}</Typography.Text>}
              <Button size="small" onClick={() => void check()} disabled={!tool}>{sign.checkTool}</Button>
              {toolState && <Typography.Text data-testid="tool-state">{toolState}</Typography.Text>}
            </Space>
            <h2 style={{ fontSize: 16, margin: 0 }}>{sign.file}</h2>
            {file ? (
              <Space wrap>
                <Typography.Text strong data-testid="sign-file">{sign.chosen(file.name)}</Typography.Text>
                {!busy && <Button size="small" onClick={() => { setFile(null); setSigned(null); setPhase("idle"); }}>
                  {sign.otherFile}</Button>}
              </Space>
            ) : <PdfChooser uploader={uploader} onChosen={(id, name) => setFile({ id, name })} />}
            <Steps size="small" current={STEP[phase]} items={[{ title: sign.steps.prepare }, { title: sign.steps.tool },
              { title: sign.steps.complete }]} />
            {phase === "tool" && <Alert type="info" showIcon message={sign.waitingTool} />}
            {error && <Alert type="error" showIcon message={error} data-testid="sign-error" />}
            {phase !== "done" && (
              <>
                <Typography.Text><strong>{sign.placement}:</strong> {sign.placementBefore}</Typography.Text>
                <Button type="primary" onClick={() => void run()} loading={busy} disabled={!file || !tool}>
                  {sign.button}
                </Button>
              </>
            )}
          </Space>
        </Card>
      )}
      {signed && (
        <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{sign.preview}</h2>}>
          <Space direction="vertical" size="middle" style={{ width: "100%" }}>
            <Alert type="success" showIcon message={sign.done} data-testid="sign-done" />
            <Typography.Text>{sign.signedAt}: {formatDateTime(signed.signed_at)}</Typography.Text>
            <Typography.Text>{sign.placementAfter(signed.box.page + 1)}</Typography.Text>
            <Row gutter={[16, 16]}>
              <Col xs={24} md={8}><SignaturePlacement box={signed.box} /></Col>
              <Col xs={24} md={16}>
                {pdfUrl && <iframe title={sign.preview} src={`${pdfUrl}#page=${signed.box.page + 1}`}
                  style={{ width: "100%", height: 480, border: "1px solid #d9d9d9" }} />}
              </Col>
            </Row>
            <Space wrap>
              <Button type="primary" onClick={() => void download()}>{sign.download}</Button>
              <Button onClick={() => { setFile(null); setSigned(null); setPhase("idle"); }}>{sign.again}</Button>
            </Space>
          </Space>
        </Card>
      )}
    </Space>
  );
}
