import { useQuery } from "@tanstack/react-query";
import { Alert } from "antd";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { draftCheck as t } from "./messages";

/**
 * Signing's check of a draft's main file as soon as it is uploaded (``POST /api/v1/signing/check-draft``: the one rule
 * signing enforces): when the PDF lacks [[SO]], [[NGAY]] or [[CHU_KY]] — where số, ngày and chữ ký go when the
 * document is signed and issued — the drafter reads which ones and what to do, now rather than after review (trình
 * ký refuses such a draft). Nothing shows while the file is fine, or when the check cannot be made (the submission
 * checks again).
 */
export function DraftCheck({ objectId }: { objectId?: string }) {
  const api = useApi();
  const check = useQuery({
    queryKey: ["draft-check", objectId],
    enabled: !!objectId,
    staleTime: Infinity,
    retry: false,
    queryFn: async () =>
      unwrap(await api.POST("/api/v1/signing/check-draft", { body: { object_id: objectId ?? "" } })),
  });
  if (!objectId || !check.data?.missing.length) return null;
  return (
    <Alert type="warning" showIcon role="alert" data-testid="draft-check" style={{ marginBottom: 16 }}
      message={t.title(check.data.missing)} description={check.data.message} />
  );
}
