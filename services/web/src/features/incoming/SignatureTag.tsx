import { Tag, Tooltip } from "antd";
import { common } from "../../components/messages";

const COLORS: Record<string, string> = { valid: "green", invalid: "red", pending: "gold" };

/** The signature report of an arrival: the verdict in words (never colour alone) and the note on hover. */
export function SignatureTag({ check, note }: { check: string; note?: string }) {
  const tag = <Tag color={COLORS[check] ?? "default"}>{common.signature[check] ?? check}</Tag>;
  return note ? <Tooltip title={note}>{tag}</Tooltip> : tag;
}
