import { useQuery } from "@tanstack/react-query";
import { Descriptions, Modal, Typography } from "antd";
import { unwrap, type Document } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import type { components } from "../../api/schema";
import { out } from "./messages";

type Register = components["schemas"]["RegisterOut"];
const t = out.actions;

/**
 * The register that numbers ``doc`` on phát hành, as the registry chooses it (services/registry domain/registers.py
 * ``covers``): an active outgoing register of the document's kind (VB QPPL or not) that lists its type, else the one
 * of that kind listing no types when no other lists it. ``undefined`` when none (or more than one) covers it: the
 * registry then decides, or refuses with its reason.
 */
export function issuingRegister(registers: Register[], doc: Pick<Document, "type_code" | "legal_normative" | "register_id">):
  Register | undefined {
  if (doc.register_id) return registers.find((r) => r.id === doc.register_id);
  const open = registers.filter((r) => r.active && r.direction === "outgoing"
    && r.legal_normative === doc.legal_normative);
  const listed = (r: Register) => r.type_codes ?? [];
  const covering = open.filter((r) => listed(r).length ? listed(r).includes(doc.type_code)
    : !open.some((o) => o.id !== r.id && listed(o).includes(doc.type_code)));
  return covering.length === 1 ? covering[0] : undefined;
}

/**
 * Phát hành's confirmation: what one click does — the register (sổ) the number comes from and the number it gives
 * next (a hint: the registry takes the number at issue, another issue meanwhile moves it on), the seal, and the recipients it is sent to (with the exchange form once
 * the document carries it). "Phát hành" confirms (``onIssue``), "Hủy" closes.
 */
export function IssueDialog({ doc, open, pending, onIssue, onCancel }: {
  doc: Document;
  open: boolean;
  pending: boolean;
  onIssue: () => void;
  onCancel: () => void;
}) {
  const api = useApi();
  const registers = useQuery({
    queryKey: ["registers", "outgoing"],
    queryFn: async () => unwrap(await api.GET("/api/v1/registers", { params: { query: { direction: "outgoing" } } })),
    enabled: open,
    staleTime: 60_000,
  });
  const register = issuingRegister(registers.data ?? [], doc);
  return (
    <Modal open={open} title={t.issueTitle} okText={t.issue} cancelText={t.cancel} confirmLoading={pending}
      onOk={onIssue} onCancel={onCancel} destroyOnHidden>
      <Typography.Paragraph>{t.issueConfirm}</Typography.Paragraph>
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label={t.issueRegister}>
          <span data-testid="issue-register">{registers.isLoading ? "…" : register?.name ?? t.issueNoRegister}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t.issueNumber}>
          <span data-testid="issue-number">{doc.number_symbol
            || (register?.next_number ? t.issueNextNumberIs(register.next_number) : t.issueNextNumber)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t.issueRecipients}>
          <span data-testid="issue-recipients">
            {doc.recipients.length ? doc.recipients.map((r) => r.name || r.agency_code).join("; ") : t.issueNoRecipients}
          </span>
        </Descriptions.Item>
        {!!doc.exchange_form && (
          <Descriptions.Item label={t.issueForm}>{t.issueForms[doc.exchange_form] ?? doc.exchange_form}</Descriptions.Item>
        )}
      </Descriptions>
      <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>{t.issueFinal}</Typography.Paragraph>
    </Modal>
  );
}
