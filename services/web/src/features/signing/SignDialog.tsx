import { useQuery } from "@tanstack/react-query";
import { Alert, Modal, Space, Spin, Steps, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { ApiError, unwrap, type Document } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { FileViewer } from "../viewer/FileViewer";
import { sign } from "./messages";
import { localTool, type SigningTool } from "./tool";
import { useToolUrl } from "./toolConfig";

/** The dialog's body within the screen's height (title and footer outside it), scrolling inside. */
export const SCROLLING_BODY = { maxHeight: "calc(100dvh - 220px)", overflowY: "auto" } as const;

/** What a USB token's signing gives the circuit's sign step (POST /api/v1/workflow/cases/{id}/sign). */
export interface TwoStep {
  handle: string;
  signature_value: string;
}

type Phase = "idle" | "prepare" | "tool" | "complete";
const STEP: Record<Phase, number> = { idle: 0, prepare: 0, tool: 1, complete: 2 };

/**
 * Ký số in the outgoing circuit: the document's main file with the signer's signature image drawn where it will land
 * (POST /api/v1/signing/placement: the box at [[CHU_KY]], the page, the image), then the signing itself — with the key
 * the service holds (``onSign()``), or with the signer's USB token in two steps: POST
 * /api/v1/workflow/cases/{caseId}/prepare-signature (the circuit's case at ``caseVersion``: the workflow prepares the
 * document's main file with the signer's title, and under a delegation the KT./TUQ. line the delegation gives), the
 * configured local signing tool signs (./tool.ts; the PIN in its own window), and ``onSign({handle,
 * signature_value})`` completes it through the circuit (the registry checks it is this main file, prepared so).
 * Ký số is enabled only once the preview is drawn. ``tool`` and ``toolUrl`` replace the configured tool (tests).
 */
export function SignDialog({ doc, caseId, caseVersion, open, pending, onCancel, onSign, tool: givenTool,
  toolUrl: givenUrl }: {
  doc: Document;
  caseId: string;
  caseVersion: number;
  open: boolean;
  pending: boolean;
  onCancel: () => void;
  onSign: (twoStep?: TwoStep) => Promise<unknown>;
  tool?: SigningTool;
  toolUrl?: string;
}) {
  const api = useApi();
  const main = doc.files.find((f) => f.role === "main");
  const toolUrl = useToolUrl(givenUrl);
  const tool = useMemo(() => givenTool ?? (toolUrl ? localTool(toolUrl) : undefined), [givenTool, toolUrl]);
  const [phase, setPhase] = useState<Phase>("idle");
  const [error, setError] = useState("");
  // Ký số waits for the preview: the signer sees the page and where the signature lands before signing
  const [previewed, setPreviewed] = useState(false);
  useEffect(() => { if (!open) setPreviewed(false); }, [open, main?.object_id]);
  const placement = useQuery({
    queryKey: ["signature-placement", main?.object_id],
    queryFn: async () => unwrap(await api.POST("/api/v1/signing/placement",
      { body: { object_id: main?.object_id ?? "", placeholder: "" } })),
    enabled: open && !!main,
    retry: false,
    staleTime: 60_000,
  });
  const p = placement.data;
  const remote = p?.custody === "remote";
  const run = async () => {
    if (!p || !main) return;
    setError("");
    if (!remote) {
      await onSign();
      return;
    }
    let step: Phase = "prepare";
    try {
      if (!tool) throw new Error(sign.noTool);
      setPhase(step);
      const prepared = unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/prepare-signature",
        { params: { path: { case_id: caseId } }, body: { version: caseVersion } }));
      step = "tool";
      setPhase(step);
      const value = await tool.sign({ to_sign: prepared.to_sign, digest: prepared.digest,
        digest_algorithm: prepared.digest_algorithm, signature_algorithm: prepared.signature_algorithm,
        description: `VanThu — ${doc.number_symbol || doc.abstract}`.slice(0, 300).normalize("NFC") });
      step = "complete";
      setPhase(step);
      await onSign({ handle: prepared.handle, signature_value: value });
    } catch (e) {
      setError(e instanceof ApiError && e.status === 404 && step === "complete" ? sign.expired
        : e instanceof Error ? e.message : String(e));
    } finally {
      setPhase("idle");
    }
  };
  const busy = pending || phase !== "idle";
  const blocked = !main ? sign.dialog.noMainFile : placement.isError ? placement.error.message
    : p && !p.image ? sign.dialog.noImage : remote && toolUrl === "" ? sign.noTool : "";
  return (
    // the body scrolls (a tall preview on a phone pushed Ký số below the screen): the footer's action stays in view
    <Modal open={open} title={sign.dialog.title} okText={sign.button} cancelText={sign.dialog.cancel} width={760}
      styles={{ body: SCROLLING_BODY }} confirmLoading={busy} okButtonProps={{ disabled: !p || !!blocked || !previewed }} onCancel={onCancel} destroyOnHidden
      onOk={() => void run().catch(() => undefined)}>
      <Space direction="vertical" size="middle" style={{ width: "100%" }}>
        {blocked ? <Alert type="warning" showIcon message={blocked} /> : !p ? (
          <Spin tip={sign.dialog.placing}><div style={{ minHeight: 80 }} /></Spin>
        ) : (
          <>
            <Typography.Paragraph style={{ margin: 0 }}>{remote ? sign.dialog.usbKey : sign.dialog.serverKey}</Typography.Paragraph>
            <Typography.Text strong data-testid="signature-where">{sign.dialog.where(p.box.page + 1, p.pages)}</Typography.Text>
            {remote && <Steps size="small" current={STEP[phase]} items={[{ title: sign.steps.prepare },
              { title: sign.steps.tool }, { title: sign.steps.complete }]} />}
            {phase === "tool" && <Alert type="info" showIcon message={sign.waitingTool} />}
            {main && <FileViewer objectId={main.object_id} name={main.file_name} mark={{ page: p.box.page + 1,
              box: [p.box.x1, p.box.y1, p.box.x2, p.box.y2], image: `data:image/png;base64,${p.image}`,
              label: sign.dialog.mark }} onReady={() => setPreviewed(true)} />}
          </>
        )}
        {error && <Alert type="error" showIcon message={error} data-testid="sign-error" />}
      </Space>
    </Modal>
  );
}
